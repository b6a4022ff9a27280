"""The covered balance (纳入风险补偿的贷款余额) is one SQL aggregate equal, to the fen, to the sum of
``covered_outstanding`` over the outstanding loans computed in Python, whatever the number of loans."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import OUTSTANDING_STATUSES, Loan, db
from tests.factories import make_household
from tests.factories_finance import disbursed_loan, install_finance, repayment
from workflows import risk_fund

D = Decimal

# (covered principal, principal outstanding, approved amount): exact half fen that binary floats
# round down (SQLite's round() gives 13.23 and 49.09), odd fen halved, a fen, and nothing covered
HALF_FEN = [("132.35", "9132.46", "91324.60"), ("65.46", "84.57", "112.76"),
            ("21666.69", "6389.11", "38334.66"), ("12345.67", "6172.84", "12345.68"),
            ("0.01", "0.01", "0.02"), ("0.03", "0.50", "1.00"), ("50000.00", "0.05", "100000.00")]


def python_covered_balance() -> Decimal:
    """The former computation: every outstanding loan loaded, each rounded, summed in Python."""
    loans = db.session.scalars(sa.select(Loan).where(Loan.status.in_(OUTSTANDING_STATUSES),
                                                     Loan.covered_principal > 0))
    return sum((risk_fund.covered_outstanding(loan) for loan in loans), D("0.00"))


@contextmanager
def statements():
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def loan_with(covered: str, outstanding: str, approved: str, status: str = "active") -> Loan:
    loan = disbursed_loan(make_household(), approved, date(2024, 1, 5), status=status)
    loan.covered_principal, loan.principal_outstanding = D(covered), D(outstanding)
    db.session.commit()
    return loan


@pytest.fixture
def varied(world):
    """Loans in every status, partly repaid, above the household cap, and at half-fen boundaries."""
    install_finance()
    household = make_household()
    first = disbursed_loan(household, "40000", date(2024, 1, 5))
    above_cap = disbursed_loan(household, "30000", date(2024, 2, 5), status="extended")  # 10,000 covered
    repayment(first, date(2024, 3, 1), "0", principal="12345.67")
    repayment(above_cap, date(2024, 3, 1), "0", principal="0.03")
    full = make_household()
    disbursed_loan(full, "50000", date(2024, 1, 5), status="overdue")
    nothing_covered = disbursed_loan(full, "20000", date(2024, 2, 5), status="recovering")
    assert nothing_covered.covered_principal == D("0.00")
    for status in ("closed", "written_off", "declined", "approved"):
        disbursed_loan(make_household(), "10000.01", date(2024, 1, 5), status=status)
    for index, (covered, outstanding, approved) in enumerate(HALF_FEN):
        loan_with(covered, outstanding, approved, OUTSTANDING_STATUSES[index % len(OUTSTANDING_STATUSES)])
    loan_with("100.00", "0.00", "100.00")  # repaid, still active
    loan_with("1000.00", "3.33", "3000.00", status="closed")
    return first


def test_the_sql_figure_is_the_python_one_to_the_fen(varied):
    expected = python_covered_balance()
    assert risk_fund.covered_balance() == expected
    assert str(risk_fund.covered_balance()) == str(expected)  # two decimals, as Money
    assert expected > D("0.00")


@pytest.mark.parametrize("covered, outstanding, approved", HALF_FEN)
def test_each_half_fen_rounds_up_as_round_fen(world, covered, outstanding, approved):
    install_finance()
    loan = loan_with(covered, outstanding, approved)
    assert risk_fund.covered_balance() == risk_fund.covered_outstanding(loan)


def test_no_loans_is_zero(world):
    assert risk_fund.covered_balance() == D("0.00")
    assert str(risk_fund.covered_balance()) == "0.00"


def test_without_an_approved_amount_a_loan_counts_nothing(varied):
    before = risk_fund.covered_balance()
    loan = loan_with("100.00", "100.00", "100.00")
    loan.approved_amount = None
    db.session.commit()
    assert risk_fund.covered_balance() == before == python_covered_balance()


def test_one_statement_whatever_the_number_of_loans(varied):
    with statements() as few:
        small = risk_fund.covered_balance()
    for index in range(40):
        loan_with(f"{index + 1}.35", f"{index + 1}.01", "99.99", OUTSTANDING_STATUSES[index % 4])
    with statements() as many:
        large = risk_fund.covered_balance()
    assert len(few) == len(many) == 1, many
    assert large == python_covered_balance() > small

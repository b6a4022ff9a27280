"""Every report is computed in SQL: the same number of statements for the fixture portfolio with 5
loans more as with 50 more, and no loan read into Python as an ORM object; the added loans do show
in the figures (so the loans were counted, in the database)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import event

from models import Loan, LoanHistory, db
from models.risk_fund import RiskFundEntry
from tests.factories import make_household
from tests.factories_reports import Q1_FROM, Q1_TO, build_portfolio, make_loan, task_event
from workflows import reports, risk_fund
from workflows.reports import ReportFilters

Q1 = ReportFilters(Q1_FROM, Q1_TO)
WEEK = ReportFilters(date(2026, 1, 5), date(2026, 1, 11))
STAGES = ("active", "recovering", "closed", "written_off", "extended")


def add_loans(count: int, start: int = 0) -> None:
    """``count`` disbursed loans in turn active, recovering (a recovery step in Q1), closed after a
    confirmed recovery, written off (compensated in Q1) and extended (decided in Q1), each with its
    history row from the disbursement; spread over the three townships and both banks."""
    fund = risk_fund.ensure_fund()
    for number in range(start, start + count):
        status = STAGES[number % len(STAGES)]
        household = make_household(("hanfeng", "dade", "zhaojia")[number % 3])
        outstanding = "0" if status == "closed" else "10000"
        loan = make_loan(household, ("cqrcb", "psbc")[number % 2], status, date(2026, 1, 6), "10000",
                         date(2026, 1, 8), outstanding, approved_on=date(2026, 1, 7), days_past_due=40 * (number % 2),
                         risk_class=("normal", "substandard")[number % 2],
                         extension_count=int(status == "extended"))
        db.session.add(LoanHistory(loan_id=loan.id, valid_from=loan.disbursed_on, balance=Decimal(outstanding),
                                   days_past_due=loan.days_past_due, risk_class=loan.risk_class,
                                   covered_principal=Decimal(outstanding), status=status,
                                   township_id=loan.township_id, bank_id=loan.bank_id))
        if status == "written_off":
            db.session.add(RiskFundEntry(fund_id=fund.id, kind="compensation", amount=Decimal("100"),
                                         occurred_on=date(2026, 2, 1), loan_id=loan.id))
        db.session.commit()
        task = {"recovering": "recover_loan", "closed": "confirm_recovery", "extended": "approve_extension"}
        if status in task:
            task_event(loan, task[status], datetime(2026, 2, 2, 2, 0, tzinfo=timezone.utc))
            db.session.commit()


def statements_and_loans(run) -> tuple[int, int]:
    """(SQL statements sent, ``Loan`` objects loaded) while ``run`` runs."""
    seen, loaded = [], []
    sql = lambda *args: seen.append(args[2])  # noqa: E731
    load = lambda target, _context: loaded.append(target)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", sql)
    event.listen(Loan, "load", load)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", sql)
        event.remove(Loan, "load", load)
    return len(seen), len(loaded)


def figures(world, name: str):
    filters = WEEK if name.startswith("weekly") else Q1
    db.session.expire_all()
    count = statements_and_loans(lambda: reports.run(world.users["supervisor"], name, filters))
    result = reports.run(world.users["supervisor"], name, filters)
    return count, result


@pytest.mark.parametrize("name", [name for name in reports.REPORTS if name not in ("subsidy", "weekly_tasks")])
def test_a_report_issues_as_many_statements_for_50_loans_as_for_5(world, name):
    build_portfolio()
    add_loans(5)
    (few, few_loaded), small = figures(world, name)
    add_loans(45, start=5)
    (many, many_loaded), large = figures(world, name)
    assert many == few, (name, few, many)
    assert few_loaded == many_loaded == 0, name
    if name != "eligible_not_borrowing":  # the added households all borrow: the list stays the same
        assert large.totals != small.totals, name  # the 45 loans counted


@pytest.mark.parametrize("name", ["subsidy", "weekly_tasks"])
def test_reports_of_settlements_and_tasks_issue_a_constant_number_of_statements(world, name):
    """Their rows are settlements and inbox rows, not loans: the count still does not follow the loans."""
    build_portfolio()
    add_loans(5)
    (few, _), _ = figures(world, name)
    add_loans(45, start=5)
    (many, loaded), _ = figures(world, name)
    assert many == few and loaded == 0, (name, few, many)


def test_the_added_loans_are_summed_to_the_fen(world):
    """With 50 more loans (10 of each stage): covered balance, written-off principal and the
    extension and recovery counts, summed in SQL."""
    build_portfolio()
    add_loans(50)
    rows = reports.run(world.users["supervisor"], "risk_fund", Q1).rows
    # covered: the fixture's L1 30000 (rcb), L2 40000 and L6 40000 (psbc); added: 10 active, 10 recovering,
    # 10 extended at 10000 each, half at each bank (stages alternate banks: active, closed, extended even
    # numbers at rcb in turn)
    added = {bank: sum(1 for n in range(50) if STAGES[n % 5] in ("active", "recovering", "extended")
                       and n % 2 == index) for index, bank in enumerate(("rcb", "psbc"))}
    assert rows[0][1:3] == [1 + added["rcb"], Decimal("30000.00") + 10000 * added["rcb"]]
    assert rows[1][1:3] == [2 + added["psbc"], Decimal("80000.00") + 10000 * added["psbc"]]
    assert rows[0][3] + rows[1][3] == 1 + 10  # compensation lines: L4's and the 10 written off
    totals = reports.run(world.users["supervisor"], "extensions_recoveries", Q1).totals
    # extended loans L6 + 10; decisions in Q1 L6's one + 10; recovering L2 + 10; recovery steps in Q1
    # L3's confirmation + 10 recover_loan + 10 confirm_recovery; recovered L3 + 10 closed; written off
    # L4 + 10, principal 8000 + 10 × 10000
    assert totals == ["total", 11, 11, 11, 21, 11, 11, Decimal("108000.00")]


@pytest.mark.parametrize("username", ["supervisor", "clerk_hanfeng", "officer_psbc"])
def test_borrowing_households_in_sql_match_the_loans_read_one_by_one(world, username):
    """``portfolio.borrowing_households`` (one GROUP BY) counts what ``household_rate`` counts from
    ``disbursed_loans`` (every loan read): a listed household with a loan outstanding at the end date."""
    from collections import Counter

    from models import Household
    from workflows.reports import portfolio
    build_portfolio()
    add_loans(20)
    user = world.users[username]
    listed = {household.id for household in db.session.query(Household).filter(Household.removed.is_(False))}
    one_by_one = Counter(township for township, _household in {
        (loan.township_id, loan.household_id) for loan in portfolio.disbursed_loans(user, Q1)
        if loan.outstanding_at_end > 0 and loan.household_id in listed})
    assert portfolio.borrowing_households(user, Q1) == dict(one_by_one)
    assert sum(one_by_one.values()) > 0

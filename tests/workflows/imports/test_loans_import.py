"""Earlier-campaign loans imported by a bank officer: checks, caps per household, all or nothing."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from models import AuditEvent, Loan, PolicySetting, ProcessInstance, db
from tests.conftest import count, one, table_count
from tests.factories import make_household
from tests.factories_imports import LOAN_HEADER, csv_bytes, install_lifecycle
from workflows import clock
from workflows.errors import ForbiddenError
from workflows.imports import loans
from workflows.imports.report import ImportRefusedError

HEADER = ["身份证号", "贷款金额", "放款日期", "到期日期", "年利率", "已展期次数", "贷款余额", "合同编号"]


@pytest.fixture
def household(world):
    install_lifecycle()
    if not db.session.query(PolicySetting).filter_by(key="max_extensions").count():
        db.session.add(PolicySetting(key="max_extensions", effective_from=date(2021, 1, 1), value="1"))
    return make_household("hanfeng")


def loan_row(household, contract="KZ-OLD-1", **overrides) -> list[str]:
    today = clock.today()
    values = {"id_number": household.id_number, "amount": "40000", "disbursed_on": (today - timedelta(days=400)).isoformat(),
              "maturity_date": (today + timedelta(days=330)).isoformat(), "annual_rate": "4.35%",
              "extension_count": "1", "principal_outstanding": "30,000.00", "contract_number": contract, **overrides}
    return list(values.values())


def test_loans_are_created_for_the_officers_bank_with_capped_shares(household, world):
    rows = [loan_row(household), loan_row(household, "KZ-OLD-2", amount="20000", principal_outstanding="20000",
                                          maturity_date=(clock.today() - timedelta(days=10)).isoformat())]
    report = loans.import_loans(world.actor("officer_rcb"), csv_bytes(rows, header=HEADER), "loans.csv")
    assert report.counts == {"rows": 2, "rejected": 0, "create": 2}
    first, second = (one(Loan, contract_number=c) for c in ("KZ-OLD-1", "KZ-OLD-2"))
    assert (first.status, first.kind, first.bank.code, first.extension_count) == ("extended", "new", "cqrcb", 1)
    assert first.principal_outstanding == Decimal("30000.00") and first.annual_rate == Decimal("4.3500")
    assert first.subsidised_principal == Decimal("40000.00") and first.covered_principal == Decimal("40000.00")
    assert second.subsidised_principal == Decimal("10000.00")  # 50,000 per household across its loans
    assert (second.status, second.days_past_due, second.risk_class) == ("overdue", 10, "special_mention")
    assert first.term_months == loans.term_months(first.disbursed_on, first.maturity_date)
    assert count(AuditEvent, action="loan_imported") == 2
    summary = one(AuditEvent, action="loans_imported")
    assert summary.after["sha256"] == report.sha256
    assert report.notes == {"extended": 1, "overdue": 1, "post_loan_started": 2} == {
        key: summary.after[key] for key in report.notes}
    assert count(ProcessInstance, status="running") == 2


@pytest.mark.parametrize("overrides, error", [
    ({"id_number": "500234197505200000"}, ("id_number", "invalid_id_number")),
    ({"amount": "abc"}, ("amount", "unreadable")),
    ({"amount": "0"}, ("amount", "must_be_positive")),
    ({"annual_rate": "120"}, ("annual_rate", "rate_out_of_range")),
    ({"extension_count": "2"}, ("extension_count", "extension_limit")),
    ({"principal_outstanding": "50000"}, ("principal_outstanding", "outstanding_out_of_range")),
    ({"disbursed_on": "2999-01-01", "maturity_date": "2999-06-01"}, ("disbursed_on", "date_in_future")),
    ({"maturity_date": "2020-01-01"}, ("maturity_date", "maturity_before_disbursement")),
    ({"contract_number": ""}, ("contract_number", "required")),
])
def test_bad_loan_rows(household, world, overrides, error):
    report = loans.check(csv_bytes([loan_row(household, **overrides)], header=HEADER), "x.csv", 1)
    assert error in [(e.field, e.code) for e in report.rows[0].errors]


def test_unknown_removed_duplicate_and_existing_contracts_refuse_the_file(household, world):
    removed = make_household("dade", removed=True, removed_reason="出列")
    other = make_household("dade")
    loans.import_loans(world.actor("officer_rcb"), csv_bytes([loan_row(other, "KZ-9")], header=HEADER), "a.csv")
    rows = [loan_row(household, "KZ-1"), loan_row(household, "KZ-1"), loan_row(removed, "KZ-2"),
            loan_row(other, "KZ-9")]
    with pytest.raises(ImportRefusedError) as refused:
        loans.import_loans(world.actor("officer_rcb"), csv_bytes(rows, header=HEADER), "b.csv")
    codes = [[e.code for e in row.errors] for row in refused.value.report.rows]
    assert codes == [[], ["duplicate_in_file"], ["removed_from_list"], ["contract_exists"]]
    assert table_count(Loan) == 1


@pytest.mark.parametrize("username", ["bureau", "approver_rcb", "admin"])
def test_only_bank_officers_import_loans(household, world, username):
    with pytest.raises(ForbiddenError):
        loans.import_loans(world.actor(username), csv_bytes([loan_row(household)], header=HEADER), "x.csv")


def arrears_row(household, days: str, recovery: str = "") -> list[str]:
    """A loan matured 10 days ago, 20,000 of 20,000 outstanding, with days past due and the recovery flag."""
    return loan_row(household, amount="20000", principal_outstanding="20000",
                    maturity_date=(clock.today() - timedelta(days=10)).isoformat()) + [days, recovery]


@pytest.mark.parametrize("days, recovery, error", [
    ("abc", "", ("days_past_due", "unreadable")),
    ("9", "", ("days_past_due", "days_past_due_out_of_range")),  # matured 10 days ago: at least 10
    ("400", "", ("days_past_due", "days_past_due_out_of_range")),  # before the disbursement day
    ("10", "也许", ("in_recovery", "bad_flag")),
])
def test_bad_arrears(household, world, days, recovery, error):
    bank_id = world.users["officer_rcb"].bank_id
    report = loans.check(csv_bytes([arrears_row(household, days, recovery)], header=LOAN_HEADER), "x.csv", bank_id)
    assert error in [(e.field, e.code) for e in report.rows[0].errors] and report.rows[0].action is None


@pytest.mark.parametrize("days, recovery, expected", [
    ("10", "否", ("overdue", 10, "special_mention")),
    ("91", "", ("overdue", 91, "substandard")),  # an interest instalment unpaid since 91 days
    ("11", "是", ("recovering", 11, "special_mention")),
])
def test_days_past_due_and_recovery_as_imported(household, world, days, recovery, expected):
    loans.import_loans(world.actor("officer_rcb"), csv_bytes([arrears_row(household, days, recovery)],
                                                             header=LOAN_HEADER), "x.csv")
    loan = one(Loan, contract_number="KZ-OLD-1")
    assert (loan.status, loan.days_past_due, loan.risk_class) == expected

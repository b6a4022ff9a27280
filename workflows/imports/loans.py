"""Import a bank's existing loans from the earlier campaign period (前期存量贷款) so they continue here.

Bank officers upload: household ID, amount, disbursement and maturity dates, annual rate, extensions
already used (at most ``max_extensions``), outstanding principal and contract number, and optionally
the days past due on the import day (逾期天数; blank: the days since maturity, 0 before it) and
whether the bank has the loan in recovery (清收中, 是/否). Each row becomes a ``Loan`` of the
uploader's bank, ``kind='new'``, with ``extension_count`` as given (so rule ``extension_limit``
counts it) and subsidised and covered principal capped per household by ``policy.capped_share``
with the dated settings (the setting in force on the disbursement day; the import day's for loans
older than every setting). Each loan then enters the lifecycle (``lifecycle``): its opening book
(schedule and repayments before import, ``opening``), its status and risk class, and its
post-loan process at the right point. A row whose figures admit no book is refused
(``days_past_due_out_of_range``, ``outstanding_above_schedule``, ``days_past_due_inconsistent``).
"""
from __future__ import annotations

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from models import Bank, Household, Loan, PolicySetting, db

from .. import audit, clock, loan_history, policy, resident_id
from ..audit import Actor
from ..errors import ForbiddenError
from ..unit_of_work import unit_of_work
from . import lifecycle
from .opening import InconsistentBookError
from .reading import Column, read_table
from .report import ImportRefusedError, ImportReport, RowResult, acting_as
from .values import parse_date, parse_int, parse_money, parse_rate

COLUMNS = (
    Column("id_number", ("身份证号", "借款人身份证号", "户主身份证号")),
    Column("amount", ("贷款金额", "放款金额", "金额")),
    Column("disbursed_on", ("放款日期", "发放日期")),
    Column("maturity_date", ("到期日期", "到期日")),
    Column("annual_rate", ("年利率", "执行利率", "利率")),
    Column("extension_count", ("已展期次数", "展期次数", "已续贷展期次数")),
    Column("principal_outstanding", ("贷款余额", "剩余本金", "未还本金")),
    Column("contract_number", ("合同编号", "合同号")),
    Column("days_past_due", ("逾期天数", "欠款天数"), required=False),
    Column("in_recovery", ("清收中", "是否清收", "已进入清收"), required=False),
)
FLAG_VALUES = {"是": True, "yes": True, "y": True, "true": True, "1": True,
               "否": False, "no": False, "n": False, "false": False, "0": False, "": False}
CAP_SETTINGS = {"subsidised_principal": "subsidised_principal_cap", "covered_principal": "covered_principal_cap"}
EXTENSIONS_SETTING = "max_extensions"  # rule extension_limit: renewed or extended at most this many times
IMPORTED_PURPOSE = ("unspecified", "前期存量贷款导入")


def check(data: bytes, filename: str, bank_id: int) -> ImportReport:
    report = ImportReport.for_file("loans", data, filename, COLUMNS)
    table = read_table(data, filename, COLUMNS)
    report.header_errors = table.header_errors or _missing_settings()
    if report.header_errors:
        return report
    bank = db.session.get(Bank, bank_id)
    ids = {row.get("id_number", "").strip().upper() for _, row in table.rows}
    households = {h.id_number: h for h in db.session.scalars(sa.select(Household).where(Household.id_number.in_(ids)))}
    contracts = set(db.session.scalars(sa.select(Loan.contract_number).where(Loan.bank_id == bank_id)))
    first_row: dict[str, int] = {}
    for number, values in table.rows:
        row = RowResult(number, values)
        report.rows.append(row)
        _check_row(row, households, contracts, first_row)
        _check_book(row, bank)
    return report


def _missing_settings() -> list[tuple[str, str]]:
    missing = []
    for key in (*CAP_SETTINGS.values(), EXTENSIONS_SETTING, *lifecycle.SETTINGS):
        try:
            policy.setting(key, clock.today())
        except policy.MissingPolicyDataError:
            missing.append(("no_policy_setting", key))
    if db.session.scalars(PolicySetting.in_force_on("repayment_method", clock.today())).first() is None:
        missing.append(("no_policy_setting", "repayment_method"))
    return missing


def _check_row(row: RowResult, households: dict, contracts: set, first_row: dict[str, int]) -> None:
    values, data = row.values, row.data
    _check_household(row, households)
    for key, parse in (("amount", parse_money), ("principal_outstanding", parse_money), ("annual_rate", parse_rate),
                       ("disbursed_on", parse_date), ("maturity_date", parse_date), ("extension_count", parse_int)):
        data[key] = parse(values.get(key, ""))
        if data[key] is None:
            row.fail(key, "required" if not values.get(key) else "unreadable")
    _check_numbers(row)
    _check_arrears(row)
    contract = values.get("contract_number", "")
    data["contract_number"] = contract
    if not contract or len(contract) > 64:
        row.fail("contract_number", "required" if not contract else "too_long")
    elif contract in first_row:
        row.fail("contract_number", "duplicate_in_file", str(first_row[contract]))
    elif contract in contracts:
        row.fail("contract_number", "contract_exists")
    first_row.setdefault(contract, row.number)
    row.action = None if row.errors else "create"


def _check_household(row: RowResult, households: dict) -> None:
    try:
        number = resident_id.normalise(row.values.get("id_number", ""))
    except resident_id.InvalidResidentIdError:
        row.fail("id_number", "invalid_id_number")
        return
    household = households.get(number)
    if household is None:
        row.fail("id_number", "not_registered")
    elif household.removed:
        row.fail("id_number", "removed_from_list")
    else:
        row.data["household"] = household


def _check_numbers(row: RowResult) -> None:
    data, today = row.data, clock.today()
    if data["amount"] is not None and data["amount"] <= 0:
        row.fail("amount", "must_be_positive")
    if data["annual_rate"] is not None and not 0 < data["annual_rate"] < 100:
        row.fail("annual_rate", "rate_out_of_range")
    if data["extension_count"] is not None and data["extension_count"] > policy.setting(EXTENSIONS_SETTING, today):
        row.fail("extension_count", "extension_limit")
    if data["disbursed_on"] and data["disbursed_on"] > today:
        row.fail("disbursed_on", "date_in_future")
    if data["disbursed_on"] and data["maturity_date"] and data["maturity_date"] <= data["disbursed_on"]:
        row.fail("maturity_date", "maturity_before_disbursement")
    outstanding, amount = data["principal_outstanding"], data["amount"]
    if outstanding is not None and amount is not None and not 0 < outstanding <= amount:
        row.fail("principal_outstanding", "outstanding_out_of_range")


def _check_arrears(row: RowResult) -> None:
    """Days past due (blank: since maturity) and the recovery flag."""
    data, text = row.data, row.values.get("days_past_due", "")
    if text:
        data["days_past_due"] = parse_int(text)
        if data["days_past_due"] is None:
            row.fail("days_past_due", "unreadable")
    elif data["maturity_date"]:
        data["days_past_due"] = max(0, (clock.today() - data["maturity_date"]).days)
    data["in_recovery"] = FLAG_VALUES.get(row.values.get("in_recovery", "").strip().lower())
    if data["in_recovery"] is None:
        row.fail("in_recovery", "bad_flag")


def _check_book(row: RowResult, bank: Bank) -> None:
    """A row otherwise right must admit an opening book (``opening``)."""
    if row.errors:
        return
    try:
        lifecycle.prepare(bank, row.data, clock.today())
    except InconsistentBookError as exc:
        row.fail("days_past_due", exc.code)
        row.action = None


@unit_of_work
def import_loans(actor: Actor, data: bytes, filename: str) -> ImportReport:
    officer = acting_as(actor, "bank_officer")
    report = check(data, filename, bank_of(officer))
    if not report.ok:
        raise ImportRefusedError(report)
    today, started, imported = clock.today(), 0, []
    for row in report.rows:
        loan = _create(officer, row.data)
        started += lifecycle.enter(officer, loan, row.data, today) is not None
        _record(officer, loan, row.data)
        report.notes[loan.status] = report.notes.get(loan.status, 0) + 1
        imported.append(loan.id)
    loan_history.record_opening(imported, today)  # their history before today, from the opening book
    report.notes["post_loan_started"] = started
    audit.record("loans_imported", officer, bank_id=officer.user.bank_id, comment=filename[:200] or None,
                 after={**report.counts, **report.notes, "sha256": report.sha256, "filename": filename})
    return report


def bank_of(officer: Actor) -> int:
    if officer.user is None or officer.user.bank_id is None:
        raise ForbiddenError("a bank officer without a bank")
    return officer.user.bank_id


def term_months(disbursed_on, maturity_date) -> int:
    """Whole months from disbursement to maturity, a part month counted as one."""
    span = relativedelta(maturity_date, disbursed_on)
    return span.years * 12 + span.months + (1 if span.days else 0)


def _create(officer: Actor, data: dict) -> Loan:
    household = data["household"]
    term = term_months(data["disbursed_on"], data["maturity_date"])
    loan = Loan(
        household_id=household.id, township_id=household.township_id, bank_id=officer.user.bank_id, kind="new",
        status="active", applicant_id_number=household.id_number,
        amount=data["amount"], term_months=term, purpose_category=IMPORTED_PURPOSE[0], purpose=IMPORTED_PURPOSE[1],
        applied_on=data["disbursed_on"], approved_amount=data["amount"], approved_term_months=term,
        annual_rate=data["annual_rate"], approved_on=data["disbursed_on"], contract_number=data["contract_number"],
        disbursed_on=data["disbursed_on"], maturity_date=data["maturity_date"],
        principal_outstanding=data["principal_outstanding"], extension_count=data["extension_count"],
        **{column: _capped(data, household.id, column) for column in CAP_SETTINGS},
    )
    db.session.add(loan)
    db.session.flush()
    return loan


def _record(officer: Actor, loan: Loan, data: dict) -> None:
    book = data["book"]
    audit.record("loan_imported", officer, loan=loan, after={
        "contract_number": loan.contract_number, "amount": loan.amount, "status": loan.status,
        "principal_outstanding": loan.principal_outstanding, "extension_count": loan.extension_count,
        "days_past_due": loan.days_past_due, "risk_class": loan.risk_class,
        "subsidised_principal": loan.subsidised_principal, "covered_principal": loan.covered_principal,
        "schedule_lines": len(book.instalments), "repaid_principal": sum(r.principal for r in book.repaid),
        "repaid_interest": sum(r.interest for r in book.repaid), "method": data["terms"].method})


def _capped(data: dict, household_id: int, column: str):
    key = CAP_SETTINGS[column]
    try:
        cap = policy.setting(key, data["disbursed_on"])
    except policy.MissingPolicyDataError:
        cap = policy.setting(key, clock.today())
    return policy.capped_share(data["amount"], household_id, 0, cap, getattr(Loan, column))

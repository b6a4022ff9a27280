"""Risk fund coverage and compensation (风险补偿金), interest subsidy due, paid and passed on (贴息).

* **Covered balance** per bank: ``risk_fund.covered_outstanding`` of the scoped outstanding loans
  disbursed on or before the end date (today's principal outstanding).
* **Compensation paid** in the period: the fund's ``compensation`` lines for scoped loans.
* **Fund balance** at the end date: every ledger line up to it (one district fund); **required
  fund** = covered balance / ``risk_fund_ratio`` (1:10, dated setting); the fund covers
  ``covered / fund`` times its balance and meets the ratio when that is at most the setting.
* **Subsidy**: per settlement (bank and quarter overlapping the period, drawn up: not ``scheduled``)
  the subsidy of its lines for scoped loans: due once computed, paid once the finance bureau paid
  it (``paid`` or ``confirmed``), passed to households once the bank confirmed it (``confirmed``).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import OUTSTANDING_STATUSES, Loan, User, db
from models.risk_fund import RiskFundEntry
from models.subsidy import SubsidyLine, SubsidySettlement

from .. import loan_history, policy, risk_fund
from .base import ZERO, Column, ReportFilters, ReportResult, banks, money, require_reader, scoped_loans, total_row

FUND_COLUMNS = [Column("name", "text"), Column("covered_loans"), Column("covered_balance", "money"),
                Column("compensated_loans"), Column("compensation_paid", "money")]
SUBSIDY_COLUMNS = [Column("settlement", "text"), Column("name", "text"), Column("status", "text"),
                   Column("loans"), Column("interest_paid", "money"), Column("subsidy_due", "money"),
                   Column("subsidy_paid", "money"), Column("subsidy_passed_on", "money")]
PAID_STATUSES = ("paid", "confirmed")


def _fund_position(filters: ReportFilters, covered) -> dict:
    fund = risk_fund.get_fund()
    balance = ZERO if fund is None else money(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(RiskFundEntry.signed_amount()), 0))
        .where(RiskFundEntry.fund_id == fund.id, RiskFundEntry.occurred_on <= filters.date_to)))
    ratio = policy.setting("risk_fund_ratio", filters.date_to)
    return {"fund_balance": balance, "covered_balance": covered, "risk_fund_ratio": ratio,
            "required_fund": money(covered / ratio), "coverage_multiple": money(covered / balance) if balance else None,
            "meets_ratio": covered <= ratio * balance}


def _covered_by_bank(user: User, filters: ReportFilters) -> dict[int, tuple[int, object]]:
    """``{bank id: (covered loans, Σ covered principal outstanding)}`` of the scoped outstanding loans
    disbursed by the end date, summed in SQL (each loan's share rounded to the fen first, as
    ``risk_fund.covered_outstanding``)."""
    query = (sa.select(Loan.bank_id, sa.func.count(), sa.func.sum(loan_history.covered_outstanding()))
             .where(scoped_loans(user, filters, Loan), Loan.status.in_(OUTSTANDING_STATUSES),
                    Loan.covered_principal > 0, Loan.disbursed_on.is_not(None), Loan.disbursed_on <= filters.date_to)
             .group_by(Loan.bank_id))
    return {bank_id: (count, covered) for bank_id, count, covered in db.session.execute(query)}


def _compensation_by_bank(user: User, filters: ReportFilters) -> dict[int, tuple[int, object]]:
    """``{bank id: (compensation lines, Σ amount)}`` paid in the period for scoped loans."""
    query = (sa.select(Loan.bank_id, sa.func.count(), sa.func.sum(RiskFundEntry.amount))
             .join(Loan, Loan.id == RiskFundEntry.loan_id)
             .where(RiskFundEntry.kind == "compensation", scoped_loans(user, filters, Loan),
                    RiskFundEntry.occurred_on.between(filters.date_from, filters.date_to))
             .group_by(Loan.bank_id))
    return {bank_id: (count, amount) for bank_id, count, amount in db.session.execute(query)}


def risk_fund_coverage(user: User, filters: ReportFilters) -> ReportResult:
    require_reader(user)
    covered, paid = _covered_by_bank(user, filters), _compensation_by_bank(user, filters)
    rows = []
    for bank in banks(user, filters):
        covered_loans, covered_balance = covered.get(bank.id, (0, 0))
        compensated, compensation = paid.get(bank.id, (0, 0))
        rows.append([bank.name, int(covered_loans), money(covered_balance), int(compensated), money(compensation)])
    totals = total_row(rows, FUND_COLUMNS)
    chart = {"labels": [row[0] for row in rows],
             "series": {"covered_balance": [row[2] for row in rows], "compensation_paid": [row[4] for row in rows]}}
    return ReportResult(list(FUND_COLUMNS), rows, totals, chart, _fund_position(filters, totals[2]))


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def _settlements(user: User, filters: ReportFilters) -> list[SubsidySettlement]:
    bank_ids = [bank.id for bank in banks(user, filters)]
    query = (sa.select(SubsidySettlement).where(SubsidySettlement.bank_id.in_(bank_ids),
                                                SubsidySettlement.status != "scheduled")
             .order_by(SubsidySettlement.year, SubsidySettlement.quarter, SubsidySettlement.bank_id))
    return [s for s in db.session.scalars(query)
            if quarter_bounds(s.year, s.quarter)[0] <= filters.date_to
            and quarter_bounds(s.year, s.quarter)[1] >= filters.date_from]


def subsidy(user: User, filters: ReportFilters) -> ReportResult:
    require_reader(user)
    settlements = _settlements(user, filters)
    sums = {row[0]: row[1:] for row in db.session.execute(
        sa.select(SubsidyLine.settlement_id, sa.func.count(), sa.func.sum(SubsidyLine.interest_paid),
                  sa.func.sum(SubsidyLine.subsidy)).join(Loan, Loan.id == SubsidyLine.loan_id)
        .where(SubsidyLine.settlement_id.in_([s.id for s in settlements]), scoped_loans(user, filters, Loan))
        .group_by(SubsidyLine.settlement_id))}
    rows = []
    for item in settlements:
        count, interest, due = sums.get(item.id, (0, ZERO, ZERO))
        due = money(due)
        rows.append([item.label, item.bank.name, item.status, count, money(interest), due,
                     due if item.status in PAID_STATUSES else ZERO, due if item.status == "confirmed" else ZERO])
    totals = total_row(rows, SUBSIDY_COLUMNS)
    chart = {"labels": [f"{row[0]} {row[1]}" for row in rows],
             "series": {key: [row[i] for row in rows] for i, key in
                        ((5, "subsidy_due"), (6, "subsidy_paid"), (7, "subsidy_passed_on"))}}
    return ReportResult(list(SUBSIDY_COLUMNS), rows, totals, chart,
                        {"subsidy_due": totals[5], "subsidy_paid": totals[6], "subsidy_passed_on": totals[7]})

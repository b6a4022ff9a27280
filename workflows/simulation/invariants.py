"""What must hold in the district whatever happened (不变量), checked at the end of a simulation.

Each check reads the database as the pages do and answers a ``Check``; none trusts the simulator's
own counters. ``check_all`` runs them in order; the command exits non-zero when one fails.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from models import IS_READY, OUTSTANDING_STATUSES, AuditEvent, HumanTask, Loan, db
from models.credit import CreditRating
from models.repayment import Repayment
from models.risk_fund import RiskFundEntry

from .. import audit, clock, policy, risk_fund
from ..credit_rating.lines import credit_line_for
from . import subsidy_check

REVIEW_OR_RECOVERY = ("maturity_review", "request_extension", "approve_extension", "recover_loan",
                      "confirm_recovery", "claim_compensation")
RENEWED = ("active", "extended", "overdue", "recovering", "closed", "written_off")
OUTFLOW = ("compensation",)
SHOWN = 5  # offending ids named in a failure


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _verdict(name: str, bad: list, total: int, what: str) -> Check:
    if not bad:
        return Check(name, True, f"{total} {what} checked")
    return Check(name, False, f"{len(bad)} of {total} {what}: {bad[:SHOWN]}")


def no_loan_stuck(day: date) -> Check:
    """Every loan past maturity is closed, or has a maturity review or a recovery task open."""
    handled = sa.exists().where(HumanTask.loan_id == Loan.id, IS_READY,
                                HumanTask.name.in_(REVIEW_OR_RECOVERY))
    past = sa.select(Loan.id).where(Loan.status.in_(OUTSTANDING_STATUSES), Loan.maturity_date < day)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(past.subquery()))
    bad = list(db.session.scalars(past.where(~handled).order_by(Loan.id)))
    return _verdict("no loan stuck", bad, total, "loans past maturity")


def balances() -> Check:
    """Each disbursed loan's balance = disbursed − principal repaid (a renewed loan's rest repaid by its renewal)."""
    repaid = (sa.select(Repayment.loan_id, sa.func.sum(Repayment.principal).label("principal"))
              .where(Repayment.standing()).group_by(Repayment.loan_id).subquery())
    renewal = sa.orm.aliased(Loan)
    renewed = sa.exists().where(renewal.previous_loan_id == Loan.id, renewal.status.in_(RENEWED))
    rows = db.session.execute(sa.select(Loan.id, Loan.approved_amount, Loan.principal_outstanding,
                                        sa.func.coalesce(repaid.c.principal, 0), renewed)
                              .outerjoin(repaid, repaid.c.loan_id == Loan.id)
                              .where(Loan.disbursed_on.is_not(None)).order_by(Loan.id)).all()
    bad = []
    for loan_id, disbursed, outstanding, principal, was_renewed in rows:
        expected = Decimal("0.00") if was_renewed else disbursed - Decimal(str(principal))
        if outstanding != expected:
            bad.append((loan_id, str(outstanding), str(expected)))
    return _verdict("loan balances", bad, len(rows), "disbursed loans")


def fund_ledger() -> Check:
    """The fund's balance is the sum of its ledger lines, and each top-up line is a top-up task's amount."""
    entries = list(db.session.scalars(sa.select(RiskFundEntry).order_by(RiskFundEntry.id)))
    summed = sum((-e.amount if e.kind in OUTFLOW else e.amount for e in entries), Decimal("0.00"))
    balance = risk_fund.fund_balance()
    recorded = sorted(Decimal(str(e.after["form"]["amount"])) for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "task_completed", AuditEvent.task_name == "record_topup")))
    booked = sorted(e.amount for e in entries if e.kind == "topup")
    bad = [] if balance == summed else [("balance", str(balance), "lines", str(summed))]
    if recorded != booked:
        bad.append(("top-up lines", [str(a) for a in booked], "tasks", [str(a) for a in recorded]))
    return _verdict("fund ledger", bad, len(entries), "ledger lines")


def fund_ratio(day: date) -> Check:
    """Fund : covered balance ≥ 1:10, or a top-up asked for less than 30 days ago is still open."""
    position = risk_fund.position(day)
    detail = f"fund {position.balance} against covered {position.covered} (1:{position.ratio})"
    if not position.needs_topup:
        return Check("fund ratio", True, detail)
    days = int(policy.setting("topup_due_days", day))
    since = clock.now() - timedelta(days=days)
    open_topup = db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(
        HumanTask.name == "record_topup", IS_READY, HumanTask.created_at > since))
    return Check("fund ratio", bool(open_topup), detail + ("; top-up open" if open_topup else "; no top-up open"))


def subsidies() -> Check:
    """Each quarter's settlement equals the independent recomputation, per loan and in total, to the fen."""
    settlements, bad = subsidy_check.settled_quarters(), []
    for settlement in settlements:
        expected = subsidy_check.recompute(settlement)
        found = {line.loan_id: line.subsidy for line in settlement.lines if line.subsidy}
        total = sum(expected.values(), Decimal("0.00"))
        if found != expected or settlement.total != total:
            label = f"{settlement.year}Q{settlement.quarter} bank {settlement.bank_id}"
            bad.append((label, str(settlement.total), str(total)))
    return _verdict("quarterly subsidies", bad, len(settlements), "settlements")


def audit_chain() -> Check:
    report = audit.verify()
    detail = f"{report.checked} events verified" if report.ok else \
        f"broken at event {report.broken_event_id}: {report.reason}"
    return Check("audit verify", report.ok, detail)


def rating_four_eyes() -> Check:
    """Every approved rating was approved by a user who neither holds it as rated nor saved it ever (审贷分离)."""
    rows = db.session.execute(sa.select(CreditRating.id, CreditRating.rated_by_id, CreditRating.approved_by_id)
                              .where(CreditRating.approved_by_id.is_not(None)).order_by(CreditRating.id)).all()
    savers = {}
    for actor_id, after in db.session.execute(sa.select(AuditEvent.actor_id, AuditEvent.after).where(
            AuditEvent.action == "credit_rating_saved")):
        savers.setdefault((after or {}).get("rating_id"), set()).add(actor_id)
    bad = [rating_id for rating_id, rated_by, approved_by in rows
           if approved_by == rated_by or approved_by in savers.get(rating_id, ())]
    return _verdict("rating four eyes", bad, len(rows), "approved ratings")


def short_path_covered() -> Check:
    """Every short-path investigation (``rating_still_valid``) had, on its day, a rating of the household
    approved before it (audit order), not revoked before it, valid that day, whose line and whose
    grade's DMN line cover the loan's amount."""
    events = [(e.id, e.loan_id, e.business_date) for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "task_completed", AuditEvent.task_name == "investigate_credit").order_by(AuditEvent.id))
        if ((e.after or {}).get("form") or {}).get("rating_still_valid") is True]
    loans = {loan.id: loan for loan in db.session.scalars(sa.select(Loan).where(
        Loan.id.in_({loan_id for _e, loan_id, _d in events})))}
    households = {loan.household_id for loan in loans.values()}
    ratings = {}
    for rating in db.session.scalars(sa.select(CreditRating).where(CreditRating.household_id.in_(households))):
        ratings.setdefault(rating.household_id, []).append(rating)
    marks = {}  # rating id -> (approved at event id, revoked at event id)
    for event_id, action, after in db.session.execute(sa.select(AuditEvent.id, AuditEvent.action, AuditEvent.after)
                                                      .where(AuditEvent.action.in_(("credit_rating_approved",
                                                                                    "credit_rating_revoked")),
                                                             AuditEvent.household_id.in_(households))):
        approved, revoked = marks.get((after or {}).get("rating_id"), (None, None))
        marks[(after or {}).get("rating_id")] = (event_id, revoked) if action == "credit_rating_approved" \
            else (approved, event_id)
    grade_lines = {}

    def covers(rating: CreditRating, event_id: int, day: date, amount: Decimal) -> bool:
        approved, revoked = marks.get(rating.id, (None, None))
        if rating.grade not in grade_lines:
            grade_lines[rating.grade] = credit_line_for(rating.grade)
        return (approved is not None and approved < event_id and (revoked is None or revoked > event_id)
                and rating.valid_until >= day and amount <= rating.credit_line and amount <= grade_lines[rating.grade])

    bad = []
    for event_id, loan_id, day in events:
        loan = loans.get(loan_id)
        if loan is None or not any(covers(r, event_id, day, loan.amount) for r in ratings.get(loan.household_id, ())):
            bad.append(loan_id)
    return _verdict("short-path investigations covered", bad, len(events), "short-path investigations")


def check_all(day: date) -> list[Check]:
    with clock.frozen(_evening(day)):
        return [no_loan_stuck(day), balances(), fund_ledger(), fund_ratio(day), subsidies(), rating_four_eyes(),
                short_path_covered(), audit_chain()]


def _evening(day: date) -> datetime:
    return datetime.combine(day, time(18, 0), tzinfo=clock.BUSINESS_TZ)

"""Findings (审计发现): events that break a rule, found after the fact in the audit trail.

The services refuse these at the time they happen; the findings catch what slipped past anyway:
data from before a rule existed, a role or office changed afterwards, a check since relaxed, or a
row written outside the app. Each rule reads only the audit trail, the users' current scope, the
loans' recorded rate caps and the dated policy data.

- ``four_eyes``: one user completed both steps of a four-eyes pair of one loan
  (``investigate_credit`` → ``approve_loan``, ``request_extension`` → ``approve_extension``).
- ``outside_scope``: a township or bank role acted on a loan of another township or bank than the
  user's own (the event carries the loan's township and bank).
- ``too_fast``: ``approve_loan`` approved less than ``min_review_minutes`` (dated policy setting,
  in force on the approval day) after the investigation it reviews was completed, in business time
  (each event's business date at its wall time of day: on a database whose business date is moved,
  an approval two business days after the investigation is not "too fast", whatever the wall says).
- ``rate_over_cap``: ``approve_loan`` approved an annual rate above the cap recorded with the
  loan, or above the highest LPR in force that day (no term may be priced above it).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import AuditEvent, Loan, User, db

from . import clock, policy
from .audit_search import audit_scope, sees_loan_events
from .permissions import BANK_ROLES, TOWNSHIP_ROLES

RULES = ("four_eyes", "outside_scope", "too_fast", "rate_over_cap")
FOUR_EYES_PAIRS = {"approve_loan": "investigate_credit", "approve_extension": "request_extension"}
REVIEW_TIME_SETTING = "min_review_minutes"


@dataclass(frozen=True)
class Finding:
    """One event breaking ``rule``; ``detail`` holds the figures (minutes, limit, rate, cap, earlier event)."""

    rule: str
    event: AuditEvent
    detail: dict = field(default_factory=dict)


def find(user: User | None, rule: str | None = None, loan_id: int | None = None) -> list[Finding]:
    """The findings the reviewer may see (loan events: the supervisor), oldest event first."""
    audit_scope(user)
    if not sees_loan_events(user):
        return []
    found = []
    for name in RULES if rule is None else (rule,):
        found.extend(CHECKS[name](loan_id))
    return sorted(found, key=lambda f: (f.event.id, RULES.index(f.rule)))


def _completed(task_names, loan_id: int | None) -> sa.Select:
    query = sa.select(AuditEvent).where(AuditEvent.action == "task_completed", AuditEvent.task_name.in_(task_names))
    return query if loan_id is None else query.where(AuditEvent.loan_id == loan_id)


def four_eyes(loan_id: int | None = None) -> list[Finding]:
    found = []
    for second, first in FOUR_EYES_PAIRS.items():
        earlier = so.aliased(AuditEvent)
        query = _completed([second], loan_id).add_columns(sa.func.min(earlier.id)).join(earlier, sa.and_(
            earlier.loan_id == AuditEvent.loan_id, earlier.actor_id == AuditEvent.actor_id,
            earlier.action == "task_completed", earlier.task_name == first)).group_by(AuditEvent.id)
        found += [Finding("four_eyes", event, {"earlier_event_id": first_id, "earlier_task": first})
                  for event, first_id in db.session.execute(query)]
    return found


def outside_scope(loan_id: int | None = None) -> list[Finding]:
    query = sa.select(AuditEvent, User).join(User, User.id == AuditEvent.actor_id).where(
        AuditEvent.loan_id.is_not(None),
        sa.or_(sa.and_(AuditEvent.actor_role.in_(TOWNSHIP_ROLES), User.township_id.is_distinct_from(AuditEvent.township_id)),
               sa.and_(AuditEvent.actor_role.in_(BANK_ROLES), User.bank_id.is_distinct_from(AuditEvent.bank_id))))
    if loan_id is not None:
        query = query.where(AuditEvent.loan_id == loan_id)
    return [Finding("outside_scope", event, {"user_township_id": user.township_id, "user_bank_id": user.bank_id})
            for event, user in db.session.execute(query)]


def _approvals(loan_id: int | None) -> list[AuditEvent]:
    events = db.session.scalars(_completed(["approve_loan"], loan_id).order_by(AuditEvent.id))
    return [e for e in events if _form(e).get("decision") == "approve"]


def too_fast(loan_id: int | None = None) -> list[Finding]:
    approvals = _approvals(loan_id)
    investigations = defaultdict(list)
    loans = {e.loan_id for e in approvals}
    for event in db.session.scalars(_completed(["investigate_credit"], None).where(AuditEvent.loan_id.in_(loans))):
        investigations[event.loan_id].append(event)
    found = []
    for approval in approvals:
        earlier = [e for e in investigations[approval.loan_id] if e.id < approval.id]
        limit = _setting(REVIEW_TIME_SETTING, approval)
        if not earlier or limit is None:
            continue
        reviewed = max(earlier, key=lambda e: e.id)
        minutes = Decimal(str((_business_instant(approval) - _business_instant(reviewed)).total_seconds())) / 60
        if minutes < limit:
            found.append(Finding("too_fast", approval, {"minutes": minutes.quantize(Decimal("0.1")), "limit": limit,
                                                        "earlier_event_id": reviewed.id}))
    return found


def rate_over_cap(loan_id: int | None = None) -> list[Finding]:
    found = []
    for approval in _approvals(loan_id):
        after = approval.after.get("loan") if isinstance(approval.after, dict) else None
        after = after if isinstance(after, dict) else {}
        rate = _decimal(after.get("annual_rate")) or _decimal(_form(approval).get("annual_rate"))
        cap = _cap(approval, after)
        if rate is not None and cap is not None and rate > cap:
            found.append(Finding("rate_over_cap", approval, {"rate": rate, "cap": cap}))
    return found


def _cap(approval: AuditEvent, after: dict) -> Decimal | None:
    recorded = _decimal(after.get("rate_cap"))
    if recorded is None and approval.loan_id is not None:
        loan = db.session.get(Loan, approval.loan_id)
        recorded = loan.rate_cap if loan is not None else None
    caps = [c for c in (recorded, _lpr_ceiling(approval)) if c is not None]
    return min(caps) if caps else None


def _lpr_ceiling(event: AuditEvent) -> Decimal | None:
    try:
        lpr = policy.lpr_in_force(_business_day(event))
    except policy.MissingPolicyDataError:
        return None
    return max(lpr.lpr_1y, lpr.lpr_5y_plus)


def _setting(key: str, event: AuditEvent) -> Decimal | None:
    try:
        return policy.setting(key, _business_day(event))
    except policy.MissingPolicyDataError:
        return None


def _business_instant(event: AuditEvent):
    return clock.business_instant(event.business_date, event.occurred_at)


def _business_day(event: AuditEvent):
    """The business date the event happened on (an event from before it was recorded: its wall date)."""
    return event.business_date or clock.local(event.occurred_at).date()


def _form(event: AuditEvent) -> dict:
    form = event.after.get("form") if isinstance(event.after, dict) else None
    return form if isinstance(form, dict) else {}


def _decimal(value) -> Decimal | None:
    try:
        return None if value is None or value == "" else Decimal(str(value))
    except InvalidOperation:
        return None


CHECKS = {"four_eyes": four_eyes, "outside_scope": outside_scope, "too_fast": too_fast, "rate_over_cap": rate_over_cap}

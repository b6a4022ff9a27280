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

from . import clock, keyset, policy
from .audit_search import audit_scope, sees_loan_events
from .permissions import BANK_ROLES, TOWNSHIP_ROLES

RULES = ("four_eyes", "outside_scope", "too_fast", "rate_over_cap")
FOUR_EYES_PAIRS = {"approve_loan": "investigate_credit", "approve_extension": "request_extension"}
REVIEW_TIME_SETTING = "min_review_minutes"
FINDINGS_PAGE = 50
WINDOW = 20_000  # event ids read per step of ``find_page``
BY_EVENT = keyset.Key("event", AuditEvent.id, AuditEvent.id, parse=int)


@dataclass(frozen=True)
class Finding:
    """One event breaking ``rule``; ``detail`` holds the figures (minutes, limit, rate, cap, earlier event)."""

    rule: str
    event: AuditEvent
    detail: dict = field(default_factory=dict)


def find(user: User | None, rule: str | None = None, loan_id: int | None = None) -> list[Finding]:
    """The findings the reviewer may see (loan events: the supervisor), oldest event first: of one loan
    (its timeline: as many as the loan has events) or, without ``loan_id``, of the whole trail in one
    list (the pages read it a page at a time: ``find_page``)."""
    audit_scope(user)
    if not sees_loan_events(user):
        return []
    return _found(rule, sa.true() if loan_id is None else AuditEvent.loan_id == loan_id)


def _found(rule: str | None, scope: sa.ColumnElement[bool]) -> list[Finding]:
    found = []
    for name in RULES if rule is None else (rule,):
        found.extend(CHECKS[name](scope))
    return sorted(found, key=lambda f: (f.event.id, RULES.index(f.rule)))


@dataclass(frozen=True)
class FindingsPage:
    """A page of findings, oldest event first, and the cursor of the next (None: no more)."""

    items: list[Finding]
    next_cursor: str | None = None


def find_page(user: User | None, rule: str | None = None, cursor: str | None = None,
              limit: int | None = None) -> FindingsPage:
    """The findings after ``cursor``, ``limit`` (``FINDINGS_PAGE``) or a few more (every finding of the
    last event shown). The trail is read in windows of ``WINDOW`` event ids, oldest first, until more
    than a page is found: memory stays flat however long the trail (time grows with it where findings are
    sparse: each window is one query per rule over an id range)."""
    audit_scope(user)
    if not sees_loan_events(user):
        return FindingsPage([])
    limit = limit or FINDINGS_PAGE
    start = keyset.read_cursor(cursor, BY_EVENT)
    low, last = start.id if start else 0, db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    found: list[Finding] = []
    while low < last and len(found) <= limit:
        found += _found(rule, sa.and_(AuditEvent.id > low, AuditEvent.id <= low + WINDOW))
        low += WINDOW
    if len(found) <= limit:
        return FindingsPage(found)
    boundary = found[limit - 1].event.id
    return FindingsPage([f for f in found if f.event.id <= boundary],
                        keyset.encode(keyset.Cursor(BY_EVENT.sort, boundary, boundary)))


def _completed(task_names, scope: sa.ColumnElement[bool]) -> sa.Select:
    return sa.select(AuditEvent).where(AuditEvent.action == "task_completed", AuditEvent.task_name.in_(task_names),
                                       scope)


def four_eyes(scope: sa.ColumnElement[bool]) -> list[Finding]:
    found = []
    for second, first in FOUR_EYES_PAIRS.items():
        earlier = so.aliased(AuditEvent)
        query = _completed([second], scope).add_columns(sa.func.min(earlier.id)).join(earlier, sa.and_(
            earlier.loan_id == AuditEvent.loan_id, earlier.actor_id == AuditEvent.actor_id,
            earlier.action == "task_completed", earlier.task_name == first)).group_by(AuditEvent.id)
        found += [Finding("four_eyes", event, {"earlier_event_id": first_id, "earlier_task": first})
                  for event, first_id in db.session.execute(query)]
    return found


def outside_scope(scope: sa.ColumnElement[bool]) -> list[Finding]:
    query = sa.select(AuditEvent, User).join(User, User.id == AuditEvent.actor_id).where(
        AuditEvent.loan_id.is_not(None), scope,
        sa.or_(sa.and_(AuditEvent.actor_role.in_(TOWNSHIP_ROLES), User.township_id.is_distinct_from(AuditEvent.township_id)),
               sa.and_(AuditEvent.actor_role.in_(BANK_ROLES), User.bank_id.is_distinct_from(AuditEvent.bank_id))))
    return [Finding("outside_scope", event, {"user_township_id": user.township_id, "user_bank_id": user.bank_id})
            for event, user in db.session.execute(query)]


def _approvals(scope: sa.ColumnElement[bool]) -> list[AuditEvent]:
    events = db.session.scalars(_completed(["approve_loan"], scope).order_by(AuditEvent.id))
    return [e for e in events if _form(e).get("decision") == "approve"]


def too_fast(scope: sa.ColumnElement[bool]) -> list[Finding]:
    approvals = _approvals(scope)
    investigations = defaultdict(list)
    loans = {e.loan_id for e in approvals}
    for event in db.session.scalars(_completed(["investigate_credit"], AuditEvent.loan_id.in_(loans))):
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


def rate_over_cap(scope: sa.ColumnElement[bool]) -> list[Finding]:
    found = []
    for approval in _approvals(scope):
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

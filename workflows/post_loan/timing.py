"""The timers of ``post_loan`` (贷后检查时点): visits, the maturity reminder and maturity.

Every timer fires at 09:00 district time on its business date. The Python steps put the instants
into the task data as ISO text (timeDate from task data: DESIGN.md §3); each branch of the diagram
reads only its own: ``next_visit_at`` (the visit branch), ``reminder_at`` and ``maturity_at`` (the
maturity branch), and ``visit_escalation_period`` (the boundary timer on an open visit).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from .. import clock, policy

CHECK_HOUR = time(9, 0)  # timers fire at 09:00 district time on their business date


def check_instant(day: date) -> datetime:
    """09:00 Asia/Shanghai on ``day``, as an aware datetime."""
    return datetime.combine(day, CHECK_HOUR, tzinfo=clock.BUSINESS_TZ)


def maturity_of(disbursed_on: date, term_months: int) -> date:
    return disbursed_on + relativedelta(months=term_months)


def next_visit_on(disbursed_on: date, day: date, maturity: date | None = None) -> date:
    """The first quarterly visit date (``visit_interval_months`` after disbursement, and so on) after
    ``day``; a visit date that is the maturity date itself is skipped (the maturity review is due then)."""
    months = int(policy.setting("visit_interval_months", day))
    step = 1
    while True:
        visit = disbursed_on + relativedelta(months=months * step)
        if visit > day and visit != maturity:
            return visit
        step += 1


def reminder_on(maturity: date, day: date) -> date:
    """The day the maturity reminder opens (``maturity_reminder_days`` before maturity)."""
    return maturity - timedelta(days=int(policy.setting("maturity_reminder_days", day)))


def escalation_period(day: date) -> str:
    """How long a visit may stay open before the 督办 tasks open (``visit_escalation_days``), ISO 8601."""
    return f"P{int(policy.setting('visit_escalation_days', day))}D"


def next_check(disbursed_on: date, maturity: date, day: date, reminded_for: str | None) -> dict:
    """The task data for the timers of the post-loan branches, as of business date ``day``.

    ``reminder_due`` is false once the reminder was given for this maturity (``reminded_for``) or
    the maturity date has passed (an imported loan); ``extension_requested`` starts each round false. ``next_check_at`` and ``check_kind`` are the
    earliest of them, for instances still on the diagram of one timer (until they are upgraded).
    """
    visit, remind = next_visit_on(disbursed_on, day, maturity), reminder_on(maturity, day)
    reminder_due = reminded_for != maturity.isoformat() and day <= maturity
    candidates = [(maturity, 2, "maturity")] + ([(visit, 0, "visit")] if visit < maturity else [])
    candidates += [(remind, 1, "reminder")] if reminder_due else []
    first, _, kind = min(candidates)
    return {
        "next_visit_at": check_instant(visit).isoformat(), "visit_escalation_period": escalation_period(day),
        "reminder_at": check_instant(min(remind, maturity)).isoformat(), "reminder_due": reminder_due,
        "maturity_at": check_instant(maturity).isoformat(), "maturity_on": maturity.isoformat(),
        "next_check_at": check_instant(first).isoformat(), "check_kind": kind, "entry_point": "monitoring",
        "extension_requested": False,  # each maturity round starts without a request
    }

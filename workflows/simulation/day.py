"""One simulated day (模拟一日): the timer worker at 09:05, then the day's business at 10:00.

The worker is ``timers.sweep`` with the day's instant, as ``flask timers run --now`` runs it: due
post-loan checks, settlements and top-ups open their tasks, the overdue days and risk classes are
recomputed, the yearly credit designations proposed. Then, on the frozen clock, banks open their yearly
rating campaigns, households apply and pay, and staff work their inboxes.
Each of these touches only what the agendas or the indexed inbox hold for the day.
"""
from __future__ import annotations

from datetime import date, datetime, time

from .. import clock, timers
from . import applications, payments, rating, work
from .state import State

SWEEP_AT = time(9, 5)  # the post-loan timers fire at 09:00
BUSINESS_AT = time(10, 0)


def at(day: date, when: time) -> datetime:
    return datetime.combine(day, when, tzinfo=clock.BUSINESS_TZ)


def run(state: State, day: date) -> None:
    report = timers.sweep(at(day, SWEEP_AT))
    state.tally.count("timers_fired", by=report.fired)
    if report.errors:
        state.tally.count("timer_errors", by=report.errors)
    with clock.frozen(at(day, BUSINESS_AT)):
        rating.run(state, day)
        applications.run(state, day)
        payments.run(state, day)
        work.run(state, day)

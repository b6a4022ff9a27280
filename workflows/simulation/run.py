"""Run a simulation (运行模拟): build the district, live its days, check its invariants.

Deterministic for a seed: one ``random.Random`` draws every decision, agendas are walked in the
order things were put on them, and the database is read in id order.
"""
from __future__ import annotations

import time as wall
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from models import HumanTask, Loan, db
from models.credit import CreditCampaign, CreditDesignation, CreditRating
from models.subsidy import SubsidySettlement

from .. import clock, risk_fund
from . import applications, day as simulated_day, invariants, report, world
from .decisions import Decisions
from .forms_port import TaskForms
from .settings import Settings
from .state import State


@dataclass
class Result:
    settings: Settings
    tally: report.Tally
    portfolio: dict[str, dict[str, str]]
    checks: list[invariants.Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def summary(self) -> str:
        return report.summary(self.tally, self.portfolio, self.checks)


def simulate(settings: Settings, forms: TaskForms, on_day: Callable[[date], None] | None = None) -> Result:
    """Simulate ``settings.days`` days from ``settings.start``; ``on_day`` is called after each (a progress bar)."""
    state = prepare(settings, forms)
    started = wall.perf_counter()
    for offset in range(settings.days):
        today = settings.start + timedelta(days=offset)
        simulated_day.run(state, today)
        if on_day is not None:
            on_day(today)
    state.tally.timings["days"] = wall.perf_counter() - started
    return finish(state)


def prepare(settings: Settings, forms: TaskForms) -> State:
    """The district on the morning of the first day, with each household's first application planned."""
    decisions = Decisions(settings)
    with clock.frozen(simulated_day.at(settings.start, simulated_day.SWEEP_AT) - timedelta(hours=1)):
        district = world.build(settings.households, decisions.rng, settings.start)
    state = State(settings, decisions, district, forms)
    state.last_task_id = db.session.scalar(sa.select(sa.func.max(HumanTask.id))) or 0
    applications.first_applications(state)
    return state


def finish(state: State) -> Result:
    end = state.settings.end
    checks = invariants.check_all(end)
    with clock.frozen(simulated_day.at(end, simulated_day.BUSINESS_AT)):
        summary = portfolio(end)
    return Result(state.settings, state.tally, summary, checks)


def portfolio(day: date) -> dict[str, dict[str, str]]:
    """Loans by status and risk class, the fund's position, the settlements drawn up."""
    def grouped(column) -> dict[str, str]:
        rows = db.session.execute(sa.select(column, sa.func.count()).group_by(column).order_by(column))
        return {str(key): str(count) for key, count in rows}
    position = risk_fund.position(day)
    settled = db.session.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(SubsidySettlement.total), 0))
                                 .where(SubsidySettlement.computed_at.is_not(None))).one()
    designations = db.session.execute(sa.select(CreditDesignation.status, CreditDesignation.kind, sa.func.count())
                                      .group_by(CreditDesignation.status, CreditDesignation.kind)
                                      .order_by(CreditDesignation.status, CreditDesignation.kind))
    return {"loans by status": grouped(Loan.status), "loans by risk class": grouped(Loan.risk_class),
            "risk fund": {"balance": str(position.balance), "covered": str(position.covered)},
            "subsidy settlements": {"drawn_up": str(settled[0]), "total": f"{settled[1]:.2f}"},
            "rating campaigns by status": grouped(CreditCampaign.status),
            "ratings by status": grouped(CreditRating.status), "ratings by grade": grouped(CreditRating.grade),
            "credit designations": {f"{kind}.{status}": str(count) for status, kind, count in designations}}

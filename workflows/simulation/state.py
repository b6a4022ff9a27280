"""The simulation's own memory between days (模拟日程): loan plans and what is planned for which day.

Nothing here is read by the product: the database holds the district, this holds the people's
intentions (when a household applies or pays, when an officer gets round to a task). Agendas are
keyed by day, so a simulated day touches only what falls on it, never every loan.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from .decisions import Decisions, LoanPlan
from .forms_port import TaskForms
from .report import Tally
from .settings import Settings
from .world import World


@dataclass(frozen=True)
class Application:
    household_id: int
    kind: str = "new"  # new, renewal
    bank: str | None = None
    amount: object = None  # Decimal for a renewal: the amount of the loan it renews
    flawed: bool | None = None  # None: drawn on the day


@dataclass(frozen=True)
class Payment:
    loan_id: int
    kind: str  # due: what is due; interest: interest due only; all: the whole balance; prepay: part principal


@dataclass
class State:
    settings: Settings
    decisions: Decisions
    world: World
    forms: TaskForms
    tally: Tally = field(default_factory=Tally)
    plans: dict[int, LoanPlan] = field(default_factory=dict)
    applications: dict[date, list[Application]] = field(default_factory=lambda: defaultdict(list))
    payments: dict[date, list[Payment]] = field(default_factory=lambda: defaultdict(list))
    tasks: dict[date, list[int]] = field(default_factory=lambda: defaultdict(list))
    last_task_id: int = 0
    fields: dict[tuple, list[dict]] = field(default_factory=dict)
    collecting: set[int] = field(default_factory=set)  # loans whose household pays up during recovery
    last_campaign: date | None = None  # the day the latest rating campaigns were opened

    def later(self, day: date, days: int) -> date:
        return day + timedelta(days=days)

"""The part of bench/portfolio.py that runs through the real services: one template loan per stage.

Each ``Stage`` names a point of a loan's life (a step of the approval waiting, disbursed and quiet,
extended, closed…) with its share of the generated loans and how a template loan reaches it (the
tests' ``tests/factories_tasks.REACH``). ``build_templates`` drives one loan to each stage and reads
its rows back at once (``snapshot``), its process states as patterns of what a clone changes (task
UUIDs, loan id, resident ID, contract number: ``STATE_CHANGES``, ``clone_uuid``). ``process_tasks``
runs the district's processes without a loan (subsidy settlements, a late fund top-up).
bench/portfolio_clones.py copies the templates' rows; nothing here writes a clone.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa

from models import HumanTask, db
from models.subsidy import SubsidySettlement
from tests.factories import make_household
from tests.factories_finance import disbursed_loan, install_finance
from tests.factories_postloan import disbursed, pay_all
from tests.factories_tasks import REACH, complete
from workflows import clock, engine, risk_fund, subsidy_settlement, timers
from workflows.audit import Actor
from workflows.tasks import service


# --- the stages -----------------------------------------------------------------------------------

def _reach(name: str) -> Callable:
    return lambda world: REACH[name](world).task.loan_id


def _active(world) -> int:
    return disbursed(world).id  # post-loan running, the first visit not yet due


def _extended(world) -> int:
    loan_id = REACH["approve_extension"](world).task.loan_id
    complete(world, loan_id, "approve_extension", "approver_rcb", date(2025, 2, 11),
             extension_approved=True, extension_comment="同意展期")
    return loan_id


def _closed(world) -> int:
    loan = disbursed(world, term=1)
    pay_all(world, loan, date(2025, 2, 10))
    return loan.id


@dataclass(frozen=True)
class Stage:
    name: str
    share: float  # of the generated loans
    reach: Callable  # world -> the template loan's id


# A county's mix: most loans disbursed and quiet or closed, a few per cent at each approval step.
STAGES = (
    Stage("confirm_eligibility", 0.02, _reach("confirm_eligibility")),
    Stage("investigate_credit", 0.02, _reach("investigate_credit")),
    Stage("approve_loan", 0.02, _reach("approve_loan")),
    Stage("disburse_loan", 0.02, _reach("disburse_loan")),
    Stage("active", 0.38, _active),
    Stage("post_loan_visit", 0.08, _reach("post_loan_visit")),
    Stage("maturity_reminder", 0.03, _reach("maturity_reminder")),
    Stage("maturity_review", 0.02, _reach("maturity_review")),
    Stage("supervise_visit", 0.01, _reach("supervise_visit")),
    Stage("request_extension", 0.01, _reach("request_extension")),
    Stage("approve_extension", 0.01, _reach("approve_extension")),
    Stage("extended", 0.03, _extended),
    Stage("recover_loan", 0.01, _reach("recover_loan")),
    Stage("confirm_recovery", 0.005, _reach("confirm_recovery")),
    Stage("claim_compensation", 0.005, _reach("claim_compensation")),
    Stage("closed", 0.33, _closed),
)
APPLICATION_STAGES = STAGES[:4]  # real clock: built last, after the post-loan stages' dated sweeps


# --- the district's processes without a loan ----------------------------------------------------

QUARTERS = ((2023, 2), (2023, 3), (2023, 4), (2024, 1))
SETTLED = datetime(2024, 4, 1, 1, 0, 1, tzinfo=timezone.utc)  # the last quarter's settlement is drawn up
TOPUP_START = datetime(2024, 5, 6, 2, 0, tzinfo=timezone.utc)


def process_tasks(world) -> None:
    """The loan-less tasks of the module's docstring, through the real services."""
    install_finance()
    for year, quarter in QUARTERS:
        subsidy_settlement.ensure_scheduled(datetime(year, quarter * 3 - 1, 15, tzinfo=timezone.utc))
    timers.sweep(SETTLED)
    earlier = db.session.scalars(sa.select(SubsidySettlement).where(
        sa.tuple_(SubsidySettlement.year, SubsidySettlement.quarter).in_(QUARTERS[:-1]))).all()
    with clock.frozen(SETTLED + timedelta(days=19)):
        for settlement in earlier:
            _finance_step(world, settlement, "review_subsidy_settlement", {"decision": "approve", "comment": None})
            _finance_step(world, settlement, "record_subsidy_payment",
                          {"paid_on": date(2024, 4, 15), "voucher_number": f"FZ-{settlement.id}"})
    risk_fund.record_entry(Actor(world.users["finance"]), "deposit", Decimal("4000.00"), date(2024, 1, 2))
    disbursed_loan(make_household(), "50000", date(2024, 1, 5))
    risk_fund.check_ratio(TOPUP_START)
    timers.sweep(TOPUP_START + timedelta(days=30, seconds=1))


def _finance_step(world, settlement: SubsidySettlement, name: str, data: dict) -> None:
    task = db.session.scalars(sa.select(HumanTask).filter_by(
        name=name, state="ready", process_instance_id=settlement.process_instance_id)).one()
    service.complete_task(world.actor("finance"), task.id, data)


# --- templates: one loan per stage, read back as rows ---------------------------------------------

def tables() -> SimpleNamespace:
    t = db.metadata.tables
    return SimpleNamespace(households=t["households"], loans=t["loans"], instances=t["process_instances"],
                           tasks=t["human_tasks"], exclusions=t["task_exclusions"], audit=t["audit_events"],
                           schedule=t["repayment_schedule_lines"], repayments=t["repayments"],
                           fund=t["risk_fund_entries"], history=t["loan_history"])


# Tables cloned per loan, in foreign-key order; the ones with an ``id`` get fresh ids.
CLONED = ("households", "loans", "instances", "tasks", "exclusions", "schedule", "repayments", "fund", "history",
          "audit")


@dataclass
class Template:
    stage: Stage
    rows: dict[str, list[dict]]  # CLONED name -> the template loan's rows
    states: dict[int, str] = field(default_factory=dict)  # instance id -> its state as a str.format pattern

    @property
    def loan(self) -> dict:
        return self.rows["loans"][0]


# What differs in a clone's state: every task UUID (``clone_uuid``), the loan id, the resident ID, the
# contract number.
STATE_CHANGES = re.compile(r'(?P<u>\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)'
                           r'|(?P<l>"loan_id": \d+)|(?P<i>\b\d{17}[\dX]\b)|(?P<c>"KZ-[^"]*")')


def clone_uuid(prefix: str, template_uuid: str) -> str:
    """A clone's task UUID: its number (8 hex digits) for the template's first 8, version nibble 0 for 4.

    Unique: clones differ in the number, templates in their random digits, and no id the app makes
    (``state_codec.TaskIds``: version 8) or SpiffWorkflow's own (uuid4) has version 0."""
    return prefix + template_uuid[8:14] + "0" + template_uuid[15:]


def snapshot(stage: Stage, loan_id: int) -> Template:
    """The rows of loan ``loan_id`` (committed), and its states as patterns of what a clone changes."""
    db.session.commit()
    t = tables()
    loan = _rows(sa.select(t.loans).where(t.loans.c.id == loan_id))[0]
    by_loan = lambda table: _rows(sa.select(table).where(table.c.loan_id == loan_id).order_by(table.c.id))  # noqa: E731
    tasks = by_loan(t.tasks)
    rows = {
        "households": _rows(sa.select(t.households).where(t.households.c.id == loan["household_id"])),
        "loans": [loan], "instances": by_loan(t.instances), "tasks": tasks,
        "exclusions": _rows(sa.select(t.exclusions).where(
            t.exclusions.c.human_task_id.in_([task["id"] for task in tasks]))),
        "schedule": by_loan(t.schedule), "repayments": by_loan(t.repayments), "fund": by_loan(t.fund),
        "history": by_loan(t.history), "audit": by_loan(t.audit),
    }
    template = Template(stage, rows)
    expected = {"l": f'"loan_id": {loan_id}', "i": rows["households"][0]["id_number"],
                "c": json.dumps(loan["contract_number"])}

    def mark(match: re.Match) -> str:
        kind = match.lastgroup
        if kind == "u":
            return clone_uuid("{u}", match.group(0))
        return "{%s}" % kind if match.group(0) == expected[kind] else match.group(0)

    for instance in rows["instances"]:
        text = engine.state_json(instance["state"]).replace("{", "{{").replace("}", "}}")
        template.states[instance["id"]] = STATE_CHANGES.sub(mark, text)
    return template


def _rows(query) -> list[dict]:
    return [dict(row._mapping) for row in db.session.execute(query)]


def build_templates(world, stages=STAGES, report=print) -> list[Template]:
    """Drive one loan per stage (post-loan stages first: their sweeps run on 2025 dates) and read it back."""
    dated = [stage for stage in stages if stage not in APPLICATION_STAGES]
    ordered = dated + [stage for stage in stages if stage in APPLICATION_STAGES]
    templates = []
    for stage in ordered:
        started = time.perf_counter()
        templates.append(snapshot(stage, stage.reach(world)))
        report(f"  template {stage.name:20} {time.perf_counter() - started:6.2f} s")
    return templates

"""Drive the bundled diagrams to each of their user tasks, one table row per task, and write a task's
answers as its page's form fields or as the JSON its API fields describe.

``DRIVERS[name].reach(world)`` brings a fresh instance to the ready task ``name`` and says when to act
on it (post-loan and finance tasks live on a frozen clock); ``answers(day)`` is the task data its
form gives. ``user_tasks()`` lists every user task the diagrams draw, so a new one without a row fails.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from lxml import etree

from models import Bank, HumanTask, db
from models.subsidy import SubsidySettlement
from workflows import clock, deployment, engine, risk_fund, subsidy_settlement, timers
from workflows.permissions import BANK_ROLES, TOWNSHIP_ROLES
from workflows.tasks import service

from .factories import APPROVAL, INVESTIGATION, World, drive, make_household, ready_task, register
from .factories_finance import disbursed_loan, install_finance, repayment, schedule_line
from .factories_postloan import VISIT_OK, at, at_maturity_review, complete, disbursed, sweep, to_recovery
from .workflows.credit_rating import drivers as credit_drivers

AT_REGISTRATION = frozenset({"register_application"})  # completed inside the registration's transaction
REVIEW_DAY = date(2025, 2, 11)  # the day after the maturity of at_maturity_review's one-month loan
MATURITY_DAY = date(2025, 2, 10)  # its maturity: the last day an extension may be asked for
NEW_MATURITY = date(2025, 3, 10)
TOPUP_START = datetime(2024, 5, 6, 2, 0, tzinfo=timezone.utc)
QUARTER_CLOSED = datetime(2024, 4, 1, 1, 0, 1, tzinfo=timezone.utc)  # Q1 2024 settles at 09:00 Shanghai
SETTLEMENT_DAY = datetime(2024, 4, 20, 2, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Reached:
    """A ready task, and the instant to freeze the clock at while acting on it (None: the real clock)."""

    task: HumanTask
    at: datetime | None = None

    def acting(self):
        return clock.frozen(self.at) if self.at else nullcontext()

    @property
    def day(self) -> date:
        return clock.local(self.at).date() if self.at else clock.today()


@dataclass(frozen=True)
class Driver:
    reach: Callable[[World], Reached]
    answers: Callable[[date], dict]


# --- microcredit_loan -------------------------------------------------------------------------

def loan_task(name: str) -> Callable[[World], Reached]:
    def reach(world: World) -> Reached:
        loan = register(world, make_household())
        drive(world, loan.id, until=name)
        return Reached(ready_task(loan.id, name))
    return reach


# --- post_loan (the call activity of the loan) --------------------------------------------------

def visit(world: World) -> Reached:
    loan = disbursed(world)  # the first check is the quarterly visit on 2025-04-10
    sweep(date(2025, 4, 10))
    return Reached(ready_task(loan.id, "post_loan_visit"), at(date(2025, 4, 10)))


def reminder(world: World) -> Reached:
    loan = disbursed(world, term=1)  # matures 2025-02-10: the reminder comes first, on 2025-01-11
    sweep(date(2025, 1, 11))
    return Reached(ready_task(loan.id, "maturity_reminder"), at(date(2025, 1, 11)))


def review(world: World) -> Reached:
    loan = at_maturity_review(world)
    return Reached(ready_task(loan.id, "maturity_review"), at(REVIEW_DAY))


def extension_request(world: World) -> Reached:
    loan_id = review(world).task.loan_id
    complete(world, loan_id, "maturity_review", "officer_rcb", MATURITY_DAY, maturity_decision="extend")
    return Reached(ready_task(loan_id, "request_extension"), at(MATURITY_DAY))


def extension_approval(world: World) -> Reached:
    loan_id = extension_request(world).task.loan_id
    complete(world, loan_id, "request_extension", "officer_rcb", MATURITY_DAY,
             **ANSWERS["request_extension"](MATURITY_DAY))
    return Reached(ready_task(loan_id, "approve_extension"), at(REVIEW_DAY))


def supervision(name: str) -> Callable[[World], Reached]:
    """A 督办 task: the visit of 2025-04-10 still open 30 days later."""
    def reach(world: World) -> Reached:
        loan = disbursed(world)
        sweep(date(2025, 4, 10))
        sweep(date(2025, 5, 11))
        return Reached(ready_task(loan.id, name), at(date(2025, 5, 11)))
    return reach


def recovery(world: World) -> Reached:
    loan = at_maturity_review(world)
    to_recovery(world, loan, REVIEW_DAY)
    return Reached(ready_task(loan.id, "recover_loan"), at(REVIEW_DAY))


def recovery_confirmation(world: World) -> Reached:
    loan_id = recovery(world).task.loan_id
    complete(world, loan_id, "recover_loan", "officer_rcb", REVIEW_DAY, **ANSWERS["recover_loan"](REVIEW_DAY))
    return Reached(ready_task(loan_id, "confirm_recovery"), at(REVIEW_DAY))


def compensation(world: World) -> Reached:
    loan_id = recovery_confirmation(world).task.loan_id
    complete(world, loan_id, "confirm_recovery", "clerk_hanfeng", REVIEW_DAY, **ANSWERS["confirm_recovery"](REVIEW_DAY))
    return Reached(ready_task(loan_id, "claim_compensation"), at(REVIEW_DAY))


# --- risk_fund_topup and interest_subsidy_settlement (no loan) -----------------------------------

def instance_task(process_instance_id: int, name: str) -> HumanTask:
    return db.session.scalars(sa.select(HumanTask).where(
        HumanTask.process_instance_id == process_instance_id, HumanTask.name == name,
        HumanTask.state == "ready")).one()


def topup(world: World) -> Reached:
    """An empty fund against a covered 50,000: the ratio check asks for a top-up of 5,000."""
    install_finance()
    disbursed_loan(make_household(), "50000", date(2024, 1, 5))
    instance = risk_fund.check_ratio(TOPUP_START)
    return Reached(instance_task(instance.id, "record_topup"), TOPUP_START + timedelta(days=1))


def overdue_topup(world: World) -> Reached:
    instance_id = topup(world).task.process_instance_id
    late = TOPUP_START + timedelta(days=30, seconds=1)
    timers.sweep(late)
    return Reached(instance_task(instance_id, "review_overdue_topup"), late + timedelta(hours=1))


def settlement(world: World, bank: str = "cqrcb") -> SubsidySettlement:
    """The bank's Q1 2024 settlement, computed (one subsidised loan with interest paid in March)."""
    install_finance()
    loan = disbursed_loan(make_household(), "36000", date(2023, 6, 1), bank=bank, rate="3.60", months=24)
    schedule_line(loan, 1, date(2023, 12, 1), date(2024, 3, 1), "324.00")
    repayment(loan, date(2024, 3, 1), "324.00")
    subsidy_settlement.ensure_scheduled(datetime(2024, 1, 15, tzinfo=timezone.utc))
    timers.sweep(QUARTER_CLOSED)
    bank_id = db.session.scalars(sa.select(Bank.id).where(Bank.code == bank)).one()
    return db.session.scalars(sa.select(SubsidySettlement).filter_by(year=2024, quarter=1, bank_id=bank_id)).one()


def settlement_step(name: str, *before: str) -> Callable[[World], Reached]:
    def reach(world: World) -> Reached:
        instance_id = settlement(world).process_instance_id
        for earlier in before:
            user = "officer_rcb" if earlier == "confirm_subsidy_passed_on" else "finance"
            with clock.frozen(SETTLEMENT_DAY):
                service.complete_task(world.actor(user), instance_task(instance_id, earlier).id,
                                      ANSWERS[earlier](SETTLEMENT_DAY.date()))
        return Reached(instance_task(instance_id, name), SETTLEMENT_DAY)
    return reach


def one_task_of_each_process(world: World) -> list[HumanTask]:
    """A ready task of a loan, of its post-loan call activity, of a fund top-up and of a subsidy settlement.

    In this order: a timer sweep of the later ones would otherwise start the top-up itself."""
    return [topup(world).task, settlement_step("review_subsidy_settlement")(world).task, visit(world).task,
            loan_task("investigate_credit")(world).task]


# --- the table ---------------------------------------------------------------------------------

ANSWERS: dict[str, Callable[[date], dict]] = {
    "confirm_eligibility": lambda day: {"eligible": True, "eligibility_note": "核实在册"},
    "investigate_credit": lambda day: dict(INVESTIGATION),
    "approve_loan": lambda day: dict(APPROVAL),
    "disburse_loan": lambda day: {"contract_number": "KZ-1", "disbursed_on": day, "account_number": "6228480000001"},
    "post_loan_visit": lambda day: dict(VISIT_OK),
    "supervise_visit": lambda day: {"supervision_note": "已督促包村干部三日内走访"},
    "supervise_visit_bank": lambda day: {"supervision_note": "客户经理已联系乡镇"},
    "maturity_reminder": lambda day: {"household_informed": True, "extension_requested": False,
                                      "reminder_note": "已电话告知"},
    "maturity_review": lambda day: {"maturity_decision": "recover", "review_note": "无力按期还款"},
    "request_extension": lambda day: {"new_maturity_date": NEW_MATURITY, "extension_reason": "生猪价格低迷，延后出栏"},
    "approve_extension": lambda day: {"extension_approved": True, "extension_comment": "同意展期"},
    "recover_loan": lambda day: {"recovery_outcome": "loss", "recovery_note": "多次催收无果"},
    "confirm_recovery": lambda day: {"recovery_confirmed": True, "confirmation_note": "情况属实"},
    "claim_compensation": lambda day: {"loss_confirmed": True, "comment": "确认损失"},
    "record_topup": lambda day: {"amount": Decimal("5000.00"), "topped_up_on": day, "voucher_number": "CZ-7",
                                 "comment": "按1:10补足"},
    "review_overdue_topup": lambda day: {"comment": "已督促财政局"},
    "review_subsidy_settlement": lambda day: {"decision": "approve", "comment": "核对无误"},
    "record_subsidy_payment": lambda day: {"paid_on": date(2024, 4, 15), "voucher_number": "FZ-1"},
    "confirm_subsidy_passed_on": lambda day: {"confirmed_on": date(2024, 4, 18), "comment": "已入户"},
}
REACH: dict[str, Callable[[World], Reached]] = {
    **{name: loan_task(name) for name in ("confirm_eligibility", "investigate_credit", "approve_loan",
                                          "disburse_loan")},
    "post_loan_visit": visit, "maturity_reminder": reminder, "maturity_review": review,
    "supervise_visit": supervision("supervise_visit"), "supervise_visit_bank": supervision("supervise_visit_bank"),
    "request_extension": extension_request, "approve_extension": extension_approval, "recover_loan": recovery,
    "confirm_recovery": recovery_confirmation, "claim_compensation": compensation,
    "record_topup": topup, "review_overdue_topup": overdue_topup,
    "review_subsidy_settlement": settlement_step("review_subsidy_settlement"),
    "record_subsidy_payment": settlement_step("record_subsidy_payment", "review_subsidy_settlement"),
    "confirm_subsidy_passed_on": settlement_step("confirm_subsidy_passed_on", "review_subsidy_settlement",
                                                 "record_subsidy_payment"),
}
REACH.update(credit_drivers.REACH)  # the credit-rating diagrams' tasks
ANSWERS.update(credit_drivers.ANSWERS)
DRIVERS: dict[str, Driver] = {name: Driver(REACH[name], ANSWERS[name]) for name in REACH}


# --- what the diagrams draw ------------------------------------------------------------------------

@dataclass(frozen=True)
class UserTaskSpec:
    process: str  # the process whose diagram draws the task (post_loan for the call activity's tasks)
    lane: str
    form: str | None


@cache
def user_tasks() -> dict[str, UserTaskSpec]:
    """Every user (manual) task of every process of the bundled diagrams, call activities included."""
    sources, found = deployment.bundled_sources(), {}
    for key in deployment.BUNDLED_PROCESSES:
        parsed = engine.parse_sources(key, sources)
        for spec in (parsed.spec, *parsed.subprocess_specs.values()):
            for task_spec in spec.task_specs.values():
                if getattr(task_spec, "manual", False):
                    form = getattr(task_spec, "extensions", {}).get("properties", {}).get("form")
                    process = enclosing_processes().get(spec.name, spec.name)
                    found[task_spec.bpmn_id] = UserTaskSpec(process, task_spec.lane, form)
    return found


@cache
def enclosing_processes() -> dict[str, str]:
    """Embedded sub-process id -> the id of the process that draws it (``visit_round`` -> ``post_loan``)."""
    found = {}
    for name, xml in deployment.bundled_sources().items():
        if name.endswith(".bpmn"):
            for process in etree.fromstring(xml.encode("utf-8")).iterfind("{*}process"):
                found.update({sub.get("id"): process.get("id") for sub in process.iterfind(".//{*}subProcess")})
    return found


def drawn_processes() -> set[str]:
    """The ids of the processes the bundled .bpmn files define."""
    return {pid for name, xml in deployment.bundled_sources().items() if name.endswith(".bpmn")
            for pid in re.findall(r'<bpmn:process id="([^"]+)"', xml)}


# --- who should see a task -----------------------------------------------------------------------

def expected_holders(world: World, task: HumanTask) -> set[str]:
    """The reference world's users the lane and scope give ``task`` to: township clerks of its township,
    bank staff of its bank, district roles all of them."""
    def holds(user) -> bool:
        if task.role not in user.roles or not user.is_active:
            return False
        if task.role in TOWNSHIP_ROLES:
            return user.township_id == task.township_id
        if task.role in BANK_ROLES:
            return user.bank_id == task.bank_id
        return True
    return {name for name, user in world.users.items() if holds(user)}


# --- answers as a page or an API client sends them ---------------------------------------------------

def as_form(answers: dict) -> dict[str, str]:
    """Form fields as a browser posts them: yes/no radios, ISO dates, decimals as text, blanks for None."""
    def text(value) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, date):
            return value.isoformat()
        return "" if value is None else str(value)
    return {name: text(value) for name, value in answers.items()}


def as_json(answers: dict, fields: list[dict]) -> dict:
    """The body for ``POST /api/v1/tasks/<id>/complete``, typed by the fields ``GET /api/v1/tasks/<id>``
    describes. Fails if an answer is not a described field or a required field has no answer."""
    described = {f["name"]: f for f in fields}
    assert set(answers) <= set(described), f"answers {sorted(set(answers) - set(described))} are not fields"
    missing = [n for n, f in described.items() if f["required"] and answers.get(n) is None]
    assert not missing, f"required fields without an answer: {missing}"
    body = {}
    for name, value in answers.items():
        if value is None:
            continue
        kind = described[name]["type"]
        if kind == "choice":
            assert str(value) in described[name]["choices"], (name, value)
        body[name] = {"boolean": bool, "integer": int}.get(kind, _json_text)(value)
    return body


def _json_text(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)

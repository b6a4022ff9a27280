"""The staff's inbox work of the day (办理任务): every user task through ``tasks.service.complete_task``.

New ready rows (by id, from the indexed inbox table) get a day on which their holder acts, by task
name (``decisions.DELAYS``); on that day the task is completed by a user of its role and scope, a
colleague stepping in when four eyes keep the first one out. The answers come from the decisions
table, filled out and validated by the task's own form; a policy refusal makes the person try their
next alternative. A few tasks are the household's or the bank's business first: a renewal in
progress holds the maturity review, a household that pays up during recovery is left to pay, a
campaign's roster is rated and its ratings approved on the bulk services (``rating``).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import IS_READY, HumanTask, HumanTaskState, Loan, ProcessInstance, db

from ..errors import (AlreadyCompletedError, ClaimedByColleagueError, ConcurrentUpdateError, FormInvalidError,
                      FourEyesError, NotFoundError, PolicyViolationError)
from ..tasks import facts, service
from . import payments, rating
from .decisions import Ctx
from .forms_port import fill
from .state import Payment, State

RETRY_DAYS = 7
ROUNDS = 4  # tasks that open today and are done the same day, one after the other
PENDING_RENEWAL = ("submitted", "approved")


def run(state: State, day: date) -> None:
    for _ in range(ROUNDS):
        take_new(state, day)
        due = state.tasks.pop(day, [])
        if not due:
            return
        for task_id in due:
            act(state, task_id, day)


def take_new(state: State, day: date) -> None:
    """Give each task that became ready since the last look the day its holder will act on it."""
    rows = db.session.execute(sa.select(HumanTask.id, HumanTask.name, HumanTask.loan_id).where(
        HumanTask.id > state.last_task_id, IS_READY).order_by(HumanTask.id)).all()
    for task_id, name, loan_id in rows:
        state.tasks[state.later(day, state.decisions.delay(name, state.plans.get(loan_id)))].append(task_id)
        state.last_task_id = task_id
    if rows:
        state.tally.count("tasks_opened", by=len(rows))


def act(state: State, task_id: int, day: date) -> None:
    row = db.session.get(HumanTask, task_id)
    if row is None or row.state != HumanTaskState.READY:
        return
    loan = db.session.get(Loan, row.loan_id) if row.loan_id else None
    ctx = Ctx(row, loan, state.plans.get(row.loan_id), day)
    special = SPECIAL.get(row.name)
    if special is not None and special(state, ctx):
        return
    for index, answers in enumerate(state.decisions.answers(ctx)):
        outcome = attempt(state, ctx, answers)
        if outcome == "done":
            state.tally.count("tasks_done", row.name, *(("alternative",) if index else ()))
            if row.name == "investigate_credit":
                path = "declined" if answers.get("investigation_decision") == "decline" else \
                    "short_path" if answers.get("rating_still_valid") else "full"
                state.tally.count("investigations", path)
            after(state, ctx)
            return
        if outcome == "gone":
            return
    state.tally.count("tasks_postponed", row.name)
    state.tasks[state.later(day, RETRY_DAYS)].append(task_id)


def attempt(state: State, ctx: Ctx, answers: dict) -> str:
    """Fill and validate the form, then complete the task as a holder: done, refused, invalid or gone."""
    row = ctx.row
    form, form_fields = fields_key = form_of(row)
    if fields_key not in state.fields:
        state.fields[fields_key] = state.forms.fields(form, form_fields)
    try:
        data = state.forms.data(form, form_fields, fill(state.fields[fields_key], answers, ctx.day))
    except FormInvalidError as exc:
        state.tally.count("forms_invalid", row.name, *sorted(exc.field_errors)[:1])
        return "invalid"
    holders = state.world.staff.holders(row.role, row.township_id, row.bank_id)
    if not holders:
        state.tally.count("tasks_without_holder", row.name)
        return "invalid"
    for user in holders:
        try:
            service.complete_task(state.world.staff.actor(user), row.id, data)
            return "done"
        except (FourEyesError, ClaimedByColleagueError):
            continue
        except PolicyViolationError as exc:
            state.tally.count("policy_refusals", row.name, *sorted(exc.codes)[:1])
            return "refused"
        except (AlreadyCompletedError, NotFoundError, ConcurrentUpdateError):
            return "gone"
    state.tally.count("four_eyes_blocked", row.name)
    return "invalid"


def form_of(row: HumanTask) -> tuple[str | None, str | None]:
    if row.form:
        return row.form, None
    return facts.form_of(row, db.session.get(ProcessInstance, row.process_instance_id))


def after(state: State, ctx: Ctx) -> None:
    """What follows a completed task in the households' and banks' lives."""
    loan, day = ctx.loan, ctx.day
    if loan is None:
        return
    db.session.refresh(loan)
    if ctx.row.name == "disburse_loan" and loan.status == "active":
        state.tally.count("loans_disbursed", loan.kind)
        payments.plan_repayments(state, loan, day)
    elif ctx.row.name == "approve_extension" and loan.status == "extended" and ctx.plan:
        state.tally.count("loans_extended")
        ctx.plan.maturity, ctx.plan.behaviour = "repay", "on_time"
        payments.plan_repayments(state, loan, day)
    elif ctx.row.name == "investigate_credit" and loan.status == "declined":
        state.tally.count("loans_declined")
    elif ctx.row.name in ("approve_loan", "confirm_eligibility") and loan.status == "rejected":
        state.tally.count("loans_rejected", ctx.row.name)
    elif ctx.row.name == "recover_loan":
        state.tally.count("recoveries", ctx.plan.outcome if ctx.plan else "loss")
    elif ctx.row.name == "claim_compensation" and loan.status == "written_off":
        state.tally.count("loans_closed", "written_off")


# --- tasks that wait on the household or the bank first -------------------------------------------

def _review(state: State, ctx: Ctx) -> bool:
    """A renewal in progress: the maturity review waits for it (the renewal closes the loan)."""
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(Loan).where(
        Loan.previous_loan_id == ctx.loan.id, Loan.status.in_(PENDING_RENEWAL)))
    if pending:
        state.tasks[state.later(ctx.day, 3)].append(ctx.row.id)
        return True
    return False


def _recovery(state: State, ctx: Ctx) -> bool:
    """清收: a household that is not a defaulter pays up (the payment closes the loan and ends the task);
    a defaulter whose loan is recovered pays everything to the bank that day; others go on to the form."""
    plan, loan = ctx.plan, ctx.loan
    if plan is not None and plan.behaviour != "default":
        payments.collect(state, loan, ctx.day)
        state.tasks[state.later(ctx.day, 30)].append(ctx.row.id)
        return True
    if plan is not None and plan.outcome == "recovered":
        if payments.pay(state, ctx.day, Payment(loan.id, "all")):
            state.tally.count("recoveries", "recovered")
            return True
    return False


SPECIAL = {"maturity_review": _review, "recover_loan": _recovery, "rate_households": rating.rate,
           "approve_ratings": rating.approve}

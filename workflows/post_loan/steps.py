"""The Python steps of the ``post_loan`` user tasks (registered in the task pipeline under ``post_loan``).

``before`` may add task data (``ctx.data`` is what the engine receives): the next timers of the
branch the task belongs to, the round's result (``round_result``: ``extended`` or ``recover``), the
reason for a recall. ``after`` writes the loan columns. Four eyes on ``approve_extension`` is
declared in the diagram (``four_eyes_with``).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import IS_READY, HumanTask, db

from .. import audit, clock, engine, repayments, risk_fund
from ..credit_rating import designations
from ..tasks.steps import Step, register
from . import extension
from .timing import next_check

PROCESS_KEY = "post_loan"
EXTENSION_TASKS = ("request_extension", "approve_extension")


def fire_due_timers(ctx) -> None:
    """Fire the timers already due before the task completes (its own ``ready`` state is kept).

    SpiffWorkflow 3.2 runs every task of an engine pass, a task cancelled earlier in that pass
    included: a timer firing in the same pass as a terminate end event would run after it and
    replace the round's data. Fired first, the timer has done its work before the terminate end."""
    engine.run_engine(ctx.workflow)


def ready_data(ctx, name: str) -> dict:
    """The data of the ready user task ``name`` (the branch data the step continues from)."""
    for spiff_task in engine.ready_user_tasks(ctx.workflow):
        if spiff_task.task_spec.name == name:
            return spiff_task.data
    return {}


def extension_pending(loan_id: int) -> bool:
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(
        HumanTask.loan_id == loan_id, HumanTask.name.in_(EXTENSION_TASKS), IS_READY)))


def check_extension_wanted(ctx, field: str) -> None:
    """An extension asked for at the reminder or the review: the timing, risk and once-only rules."""
    extension.check_request(ctx.loan, clock.today(), field)
    if extension_pending(ctx.loan.id):
        raise extension.refuse("extension_limit", field)


class PostLoanVisit(Step):
    def before(self, ctx):
        fire_due_timers(ctx)
        if ctx.data.get("used_for_production"):
            loan = ctx.loan
            ctx.data.update(next_check(loan.disbursed_on, loan.maturity_date, clock.today(),
                                       ready_data(ctx, "post_loan_visit").get("reminded_for")))
        else:
            ctx.data["recall_reason"] = "purpose_not_productive"

    def after(self, ctx):
        if not ctx.data.get("used_for_production"):
            audit.record("misuse_reported", ctx.actor, loan=ctx.loan, task_name="post_loan_visit",
                         codes=["purpose_not_productive"], comment=ctx.data.get("visit_note"))


class MaturityReminder(Step):
    def before(self, ctx):
        fire_due_timers(ctx)
        loan, requested = ctx.loan, bool(ctx.data.get("extension_requested"))
        if requested:
            check_extension_wanted(ctx, "extension_requested")
        ctx.data["reminded_for"] = loan.maturity_date.isoformat()
        ctx.data.update(next_check(loan.disbursed_on, loan.maturity_date, clock.today(), ctx.data["reminded_for"]))
        ctx.data["extension_requested"] = requested


class MaturityReview(Step):
    def before(self, ctx):
        fire_due_timers(ctx)
        if ctx.data.get("maturity_decision") == "extend":
            check_extension_wanted(ctx, "maturity_decision")
        else:
            ctx.data["round_result"] = "recover"


class RequestExtension(Step):
    def before(self, ctx):
        loan, day = ctx.loan, clock.today()
        extension.check_request(loan, day, "new_maturity_date")
        extension.check_new_maturity(loan, ctx.data["new_maturity_date"], day)


class ApproveExtension(Step):
    def before(self, ctx):
        fire_due_timers(ctx)
        if not ctx.data.get("extension_approved"):
            ctx.data["round_result"] = "recover"
            return
        loan, data, day = ctx.loan, ready_data(ctx, "approve_extension"), clock.today()
        if not extension.extension_allowed(loan, day):
            raise extension.refuse("extension_limit", "extension_approved")
        new = date.fromisoformat(str(data["new_maturity_date"]))
        extension.check_new_maturity(loan, new, day, "extension_approved")
        ctx.data.update(next_check(loan.disbursed_on, new, day, data.get("reminded_for")))
        ctx.data.update(approved_maturity_date=new, round_result="extended")

    def after(self, ctx):
        if not ctx.data.get("extension_approved"):
            return
        loan, new = ctx.loan, ctx.data["approved_maturity_date"]
        repayments.extend_schedule(loan, new)
        loan.maturity_date, loan.extension_count, loan.status = new, loan.extension_count + 1, "extended"


class RecoverLoan(Step):
    def before(self, ctx):
        """"Recovered" means the money is back: while principal is outstanding the bank records the
        recovered repayment instead (the repayment in full closes the loan and ends this part)."""
        if ctx.data.get("recovery_outcome") == "recovered" and ctx.loan.principal_outstanding > 0:
            raise extension.refuse("recovery_not_repaid", "recovery_outcome")


class ConfirmRecovery(Step):
    def before(self, ctx):
        """Carry the bank's outcome into this step's data; the township confirms it or sends it back."""
        data = ready_data(ctx, "confirm_recovery")
        ctx.data.update(recovery_outcome=data.get("recovery_outcome"), recovery_note=data.get("recovery_note"))
        ctx.data["post_loan_result"] = "closed" if data.get("recovery_outcome") == "recovered" else "open"

    def after(self, ctx):
        if ctx.data.get("recovery_confirmed") and ctx.data["recovery_outcome"] == "malicious":
            household = ctx.loan.household
            household.dishonest = True
            household.dishonest_reason = (ctx.data.get("recovery_note") or "malicious default")[:200]
            audit.record("dishonest_listed", ctx.actor, loan=ctx.loan, codes=["dishonest_debtor"],
                         comment=household.dishonest_reason)
            designations.on_dishonest(household, ctx.actor)  # its ratings and credit-household title go


class ClaimCompensation(Step):
    def before(self, ctx):
        ctx.data["post_loan_result"] = "written_off" if ctx.data.get("loss_confirmed") else "open"

    def after(self, ctx):
        if ctx.data.get("loss_confirmed"):
            risk_fund.pay_compensation(ctx.actor, ctx.loan)


# Filed under ``post_loan``: the pipeline finds a step under the task's own sub-process or any
# process around it (``steps.step_of``), so the branches' embedded sub-processes (``visit_round``,
# ``maturity_round``, ``lifecycle``) and the one-timer diagram of loans not yet upgraded share them.
for _name, _step in (
        ("post_loan_visit", PostLoanVisit()), ("maturity_reminder", MaturityReminder()),
        ("maturity_review", MaturityReview()), ("request_extension", RequestExtension()),
        ("approve_extension", ApproveExtension()), ("recover_loan", RecoverLoan()),
        ("confirm_recovery", ConfirmRecovery()), ("claim_compensation", ClaimCompensation())):
    register(PROCESS_KEY, _name)(_step)

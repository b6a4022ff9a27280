"""Post-loan management (贷后管理): the one timer of ``post_loan`` and the checks of its user tasks.

The diagram waits on a single timer, ``next_check`` (timeDate ``next_check_at``), and then routes by
``check_kind``: a quarterly visit (贷后走访), the maturity reminder (到期提醒) or the maturity review
(到期审查). Whichever comes first is the next check. Spiff's event-based gateway keeps one cached
value for all its timers (3.2.0), so several competing timers would all fire at the first one's
instant; one timer with a computed kind avoids that.

Each step below is registered in the task pipeline (``workflows.tasks.steps``) under ``post_loan``,
the process its tasks are drawn in: ``before`` may add task data (``ctx.data`` is the data the
engine receives), ``after`` writes the loan columns. Four eyes on ``approve_extension`` is declared
in the diagram (``four_eyes_with``).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from models import Loan, db

from . import audit, clock, engine, policy, repayments, risk_fund
from .errors import PolicyViolationError
from .tasks.steps import Step, register

PROCESS_KEY = "post_loan"

CHECK_HOUR = time(9, 0)  # timers fire at 09:00 district time on their business date


def refuse(code: str, field: str) -> PolicyViolationError:
    return PolicyViolationError([code], {field: [code]})


def check_instant(day: date) -> datetime:
    """09:00 Asia/Shanghai on ``day``, as an aware datetime."""
    return datetime.combine(day, CHECK_HOUR, tzinfo=clock.BUSINESS_TZ)


def maturity_of(disbursed_on: date, term_months: int) -> date:
    return disbursed_on + relativedelta(months=term_months)


def next_visit_on(disbursed_on: date, day: date) -> date:
    """The first quarterly visit date (``visit_interval_months`` after disbursement, and so on) after ``day``."""
    months = int(policy.setting("visit_interval_months", day))
    step = 1
    while disbursed_on + relativedelta(months=months * step) <= day:
        step += 1
    return disbursed_on + relativedelta(months=months * step)


def next_check(disbursed_on: date, maturity: date, day: date, reminded_for: str | None) -> dict:
    """The task data for the next timer: ``next_check_at`` (ISO) and ``check_kind``.

    Candidates: the next visit (only before maturity), the reminder ``maturity_reminder_days`` before
    maturity (once per maturity date: ``reminded_for`` holds the maturity it was given for), maturity.
    On the same day a visit comes before the reminder, and both before the maturity review.
    """
    candidates = [(maturity, 2, "maturity")]
    visit = next_visit_on(disbursed_on, day)
    if visit < maturity:
        candidates.append((visit, 0, "visit"))
    if reminded_for != maturity.isoformat():
        reminder_days = int(policy.setting("maturity_reminder_days", day))
        candidates.append((maturity - timedelta(days=reminder_days), 1, "reminder"))
    on, _, kind = min(candidates)
    return {"next_check_at": check_instant(on).isoformat(), "check_kind": kind}


def ready_data(ctx, name: str) -> dict:
    """The data of the ready user task ``name`` (the process data the step continues from)."""
    for spiff_task in engine.ready_user_tasks(ctx.workflow):
        if spiff_task.task_spec.name == name:
            return spiff_task.data
    return {}


def extension_allowed(loan: Loan, day: date) -> bool:
    """续贷展期 once (``max_extensions``): earlier extensions, imported ones included, and renewals count."""
    limit = int(policy.setting("max_extensions", day))
    renewed = db.session.scalar(sa.select(sa.func.count()).select_from(Loan).where(
        Loan.previous_loan_id == loan.id, Loan.status.not_in(("rejected", "withdrawn"))))
    return loan.extension_count < limit and not renewed


class PostLoanVisit(Step):
    def before(self, ctx):
        if ctx.data.get("used_for_production"):
            data = ready_data(ctx, "post_loan_visit")
            ctx.data.update(next_check(ctx.loan.disbursed_on, ctx.loan.maturity_date, clock.today(),
                                       data.get("reminded_for")))
        else:
            ctx.data["recall_reason"] = "purpose_not_productive"

    def after(self, ctx):
        if not ctx.data.get("used_for_production"):
            audit.record("misuse_reported", ctx.actor, loan=ctx.loan, task_name="post_loan_visit",
                         codes=["purpose_not_productive"], comment=ctx.data.get("visit_note"))


class MaturityReminder(Step):
    def before(self, ctx):
        loan = ctx.loan
        ctx.data["reminded_for"] = loan.maturity_date.isoformat()
        ctx.data.update(next_check(loan.disbursed_on, loan.maturity_date, clock.today(), ctx.data["reminded_for"]))

    def after(self, ctx):
        """Nothing to write: the acknowledgement is the audit event of the completed task."""


class MaturityReview(Step):
    def before(self, ctx):
        if ctx.data.get("maturity_decision") == "extend" and not extension_allowed(ctx.loan, clock.today()):
            raise refuse("extension_limit", "maturity_decision")

    def after(self, ctx):
        """The decision routes the diagram; the loan columns change at the extension or recovery."""


class RequestExtension(Step):
    def before(self, ctx):
        loan, day = ctx.loan, clock.today()
        if not extension_allowed(loan, day):
            raise refuse("extension_limit", "new_maturity_date")
        new = ctx.data["new_maturity_date"]
        longest = loan.maturity_date + relativedelta(months=int(policy.setting("max_extension_months", day)))
        if not loan.maturity_date < new <= longest:
            raise refuse("extension_too_long", "new_maturity_date")

    def after(self, ctx):
        """The approver decides; nothing changes on the loan yet."""


class ApproveExtension(Step):
    def before(self, ctx):
        if ctx.data.get("extension_approved"):
            loan, data = ctx.loan, ready_data(ctx, "approve_extension")
            new = date.fromisoformat(str(data["new_maturity_date"]))
            if not extension_allowed(loan, clock.today()):
                raise refuse("extension_limit", "extension_approved")
            ctx.data.update(next_check(loan.disbursed_on, new, clock.today(), data.get("reminded_for")))
            ctx.data["approved_maturity_date"] = new

    def after(self, ctx):
        if not ctx.data.get("extension_approved"):
            return
        loan, new = ctx.loan, ctx.data["approved_maturity_date"]
        repayments.extend_schedule(loan, new)
        loan.maturity_date, loan.extension_count, loan.status = new, loan.extension_count + 1, "extended"


class RecoverLoan(Step):
    def before(self, ctx):
        """The outcome is confirmed by the township before anything is written."""

    def after(self, ctx):
        """See ``ConfirmRecovery``."""


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


class ClaimCompensation(Step):
    def before(self, ctx):
        ctx.data["post_loan_result"] = "written_off" if ctx.data.get("loss_confirmed") else "open"

    def after(self, ctx):
        if ctx.data.get("loss_confirmed"):
            risk_fund.pay_compensation(ctx.actor, ctx.loan)


for _name, _step in (
        ("post_loan_visit", PostLoanVisit()), ("maturity_reminder", MaturityReminder()),
        ("maturity_review", MaturityReview()), ("request_extension", RequestExtension()),
        ("approve_extension", ApproveExtension()), ("recover_loan", RecoverLoan()),
        ("confirm_recovery", ConfirmRecovery()), ("claim_compensation", ClaimCompensation())):
    register(PROCESS_KEY, _name)(_step)

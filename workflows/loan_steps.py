"""What each user task of ``microcredit_loan`` checks and writes to the loan's business columns.

``before`` runs before the engine completes the task (four eyes); ``after`` runs on the engine's
result, before anything is saved, so a refusal discards the whole step.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

import sqlalchemy as sa

from models import HumanTask, Loan, db

from . import clock, policy, post_loan, renewals, repayments
from .audit import Actor
from .errors import FourEyesError, PolicyViolationError


@dataclass
class StepContext:
    loan: Loan
    actor: Actor
    workflow: BpmnWorkflow
    data: dict

    @property
    def process_data(self) -> dict:
        """The data of the task that ran last (the outputs of the business rule tasks after it)."""
        return self.workflow.last_task.data if self.workflow.last_task else self.workflow.data


def refuse(code: str, field: str) -> PolicyViolationError:
    return PolicyViolationError([code], {field: [code]})


class Step:
    def before(self, ctx: StepContext) -> None:
        """Checks that must pass before the engine runs the task."""

    def after(self, ctx: StepContext) -> None:
        """Checks on the engine's result, and the loan columns this step fills in."""


class RegisterApplication(Step):
    def after(self, ctx):
        violations = ctx.process_data.get("policy_violations") or []
        if violations:
            fields: dict[str, list[str]] = {}
            for code in violations:
                fields.setdefault(RULE_FIELDS.get(code, "__all__"), []).append(code)
            raise PolicyViolationError(violations, fields)


class InvestigateCredit(Step):
    def after(self, ctx):
        data, loan = ctx.process_data, ctx.loan
        credit_line = Decimal(str(data["credit_line"]))
        if credit_line <= 0:
            raise refuse("not_rated", "grade")
        if ctx.data["recommended_amount"] > credit_line:
            raise refuse("amount_over_cap", "recommended_amount")
        loan.grade, loan.credit_line = ctx.data["grade"], credit_line
        loan.recommended_amount = ctx.data["recommended_amount"]
        loan.recommended_term_months = ctx.data["recommended_term_months"]
        loan.investigated_by_id = ctx.actor.user_id


class ApproveLoan(Step):
    def before(self, ctx):
        """四眼原则: nobody approves a loan they investigated, whatever roles they hold now."""
        investigated = db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(
            HumanTask.loan_id == ctx.loan.id, HumanTask.name == "investigate_credit",
            HumanTask.state == "completed", HumanTask.completed_by_id == ctx.actor.user_id,
        ))
        if investigated or ctx.loan.investigated_by_id == ctx.actor.user_id:
            raise FourEyesError("the approver investigated this loan")

    def after(self, ctx):
        if ctx.data["decision"] != "approve":
            return
        data, loan, today = ctx.process_data, ctx.loan, clock.today()
        if data.get("lpr_tenor") not in ("1y", "5y_plus"):
            raise refuse("term_over_cap", "approved_term_months")
        if ctx.data["approved_amount"] > min(loan.credit_line or 0, loan.amount):
            raise refuse("amount_over_cap", "approved_amount")
        cap = policy.rate_cap(data["lpr_tenor"], today)
        if ctx.data["annual_rate"] > cap:
            raise refuse("rate_over_cap", "annual_rate")
        loan.approved_amount = ctx.data["approved_amount"]
        loan.approved_term_months = ctx.data["approved_term_months"]
        loan.annual_rate, loan.rate_cap, loan.approved_on = ctx.data["annual_rate"], cap, today
        loan.approved_by_id = ctx.actor.user_id


class DisburseLoan(Step):
    def before(self, ctx):
        """The first post-loan timer (visit, reminder or maturity) goes into the task data."""
        loan, day = ctx.loan, ctx.data["disbursed_on"]
        maturity = post_loan.maturity_of(day, loan.approved_term_months)
        ctx.data.update(post_loan.next_check(day, maturity, max(day, clock.today()), None))
        ctx.data["post_loan_result"] = "closed"

    def after(self, ctx):
        loan, day = ctx.loan, ctx.data["disbursed_on"]
        if loan.approved_on and day < loan.approved_on:
            raise PolicyViolationError(["invalid"], {"disbursed_on": ["before_approval"]})
        amount = loan.approved_amount
        loan.contract_number, loan.account_number = ctx.data["contract_number"], ctx.data["account_number"]
        loan.disbursed_on, loan.maturity_date = day, post_loan.maturity_of(day, loan.approved_term_months)
        loan.principal_outstanding, loan.status = amount, "active"
        loan.subsidised_principal = policy.capped_share(
            amount, loan.household_id, loan.id, policy.setting("subsidised_principal_cap", day),
            Loan.subsidised_principal)
        loan.covered_principal = policy.capped_share(
            amount, loan.household_id, loan.id, policy.setting("covered_principal_cap", day),
            Loan.covered_principal)
        repayments.create_schedule(loan)
        if loan.previous_loan_id is not None:
            renewals.close_renewed(loan, ctx.actor)


STEPS: dict[str, Step] = {
    "register_application": RegisterApplication(),
    "investigate_credit": InvestigateCredit(),
    "approve_loan": ApproveLoan(),
    "disburse_loan": DisburseLoan(),
    **post_loan.POST_LOAN_STEPS,
}

RULE_FIELDS = {
    "not_registered": "id_number", "removed_from_list": "id_number", "age_out_of_range": "id_number",
    "dishonest_debtor": "id_number", "amount_over_cap": "amount", "total_over_cap": "amount",
    "term_over_cap": "term_months", "purpose_not_productive": "purpose_category",
}


def step_for(task_name: str) -> Step:
    return STEPS.get(task_name, Step())

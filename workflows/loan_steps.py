"""What each user task of ``microcredit_loan`` checks and writes to the loan's business columns.

The steps are registered in the task pipeline (``workflows.tasks.steps``) under the process id.
``before`` runs before the engine completes the task; ``after`` runs on the engine's result,
before anything is saved, so a refusal discards the whole step. Four eyes is not here: the
diagram declares it (``four_eyes_with`` on ``approve_loan``) and the pipeline enforces it.
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from models import AuditEvent, Loan, db

from . import clock, policy, post_loan, renewals, repayments
from .credit_rating import ratings as credit_ratings
from .errors import PolicyViolationError
from .tasks import facts
from .tasks.steps import Step, register

PROCESS_KEY = "microcredit_loan"


def refuse(code: str, field: str) -> PolicyViolationError:
    return PolicyViolationError([code], {field: [code]})


class RegisterApplication(Step):
    def after(self, ctx):
        violations = ctx.process_data.get("policy_violations") or []
        if violations:
            fields: dict[str, list[str]] = {}
            for code in violations:
                fields.setdefault(RULE_FIELDS.get(code, "__all__"), []).append(code)
            raise PolicyViolationError(violations, fields)


class InvestigateCredit(Step):
    def before(self, ctx):
        """The short path (评级授信): a valid rating that covers the amount stands for the investigation.

        ``investigation_decision`` is always set (``proceed`` unless declined): the gateway after the task reads it."""
        ctx.data["investigation_decision"] = ctx.data.get("investigation_decision") or "proceed"
        if ctx.data["investigation_decision"] == "decline" and not str(ctx.data.get("decline_reason") or "").strip():
            raise refuse("reason_required", "decline_reason")
        if ctx.data["investigation_decision"] == "decline" or not ctx.data.get("rating_still_valid"):
            return
        rating = credit_ratings.covering_rating(ctx.loan.household_id, ctx.loan.amount, clock.today())
        if rating is None:
            raise refuse("rating_not_valid", "rating_still_valid")
        ctx.data.update(grade=rating.grade, rating_id=rating.id, rated_line=rating.credit_line,
                        recommended_amount=ctx.data.get("recommended_amount") or ctx.loan.amount,
                        recommended_term_months=ctx.data.get("recommended_term_months") or ctx.loan.term_months)

    def after(self, ctx):
        data, loan = ctx.process_data, ctx.loan
        if ctx.data.get("investigation_decision") == "decline":  # 不予受理: the diagram ends at application_declined
            loan.investigated_by_id = ctx.actor.user_id
            return
        credit_line = Decimal(str(data["credit_line"]))
        if ctx.data.get("rating_id"):
            credit_line = min(credit_line, ctx.data["rated_line"])
        if credit_line <= 0:
            raise refuse("not_rated", "grade")
        if ctx.data["recommended_amount"] > credit_line:
            raise refuse("amount_over_cap", "recommended_amount")
        loan.grade, loan.credit_line = ctx.data["grade"], credit_line
        loan.recommended_amount = ctx.data["recommended_amount"]
        loan.recommended_term_months = ctx.data["recommended_term_months"]
        loan.investigated_by_id = ctx.actor.user_id


class ApproveLoan(Step):
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
        if loan.previous_loan_id is not None:  # the renewed loan is repaid first: it no longer counts against the caps
            renewals.close_renewed(loan, ctx.actor)
        # the caps' shares before the loan's own columns change: its columns then go in one UPDATE
        loan.subsidised_principal, loan.covered_principal = policy.capped_shares(amount, loan.household_id, loan.id, [
            (policy.setting("subsidised_principal_cap", day), Loan.subsidised_principal),
            (policy.setting("covered_principal_cap", day), Loan.covered_principal)])
        loan.contract_number, loan.account_number = ctx.data["contract_number"], ctx.data["account_number"]
        loan.disbursed_on, loan.maturity_date = day, post_loan.maturity_of(day, loan.approved_term_months)
        loan.principal_outstanding, loan.status = amount, "active"
        repayments.create_schedule(loan, want_lines=False)


for _name, _step in (("register_application", RegisterApplication()), ("investigate_credit", InvestigateCredit()),
                     ("approve_loan", ApproveLoan()), ("disburse_loan", DisburseLoan())):
    register(PROCESS_KEY, _name)(_step)

RULE_FIELDS = {
    "not_registered": "id_number", "removed_from_list": "id_number", "age_out_of_range": "id_number",
    "dishonest_debtor": "id_number", "amount_over_cap": "amount", "total_over_cap": "amount",
    "term_over_cap": "term_months", "purpose_not_productive": "purpose_category",
}



@facts.register(facts.ANY_LOAN)
@facts.register(PROCESS_KEY)
def loan_facts(row, instance, loan) -> tuple[str, dict]:
    """The loan panel: the application, the investigation report and the LPR in force."""
    try:
        lpr = policy.lpr_in_force(clock.today())
    except policy.MissingPolicyDataError:
        lpr = None
    rating = credit_ratings.covering_rating(loan.household_id, loan.amount, clock.today()) \
        if row.name == "investigate_credit" else None
    return "loan", {"investigation_report": investigation_report(loan.id), "lpr": lpr, "rating": rating,
                    **post_loan.facts.task_facts(row, loan)}


def investigation_report(loan_id: int) -> str | None:
    """The report of the latest completed investigation, as its audit event recorded the form."""
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.loan_id == loan_id, AuditEvent.action == "task_completed",
                                    AuditEvent.task_name == "investigate_credit")
        .order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return ((event.after or {}).get("form") or {}).get("investigation_report") if event else None

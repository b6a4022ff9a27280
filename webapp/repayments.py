"""Recording repayments on the loan page (还款登记).

``POST /loans/<id>/repayments``: bank officers of the loan's bank only (403 for other roles and
for bank staff who are not officers, 404 outside the user's scope), CSRF-protected. Success
redirects back to the loan page with a message; a refusal renders the loan page again (422) with
the messages beside the fields. The page's hidden idempotency key makes a double submit harmless.

``POST /loans/<id>/repayments/<repayment_id>/reversal`` (冲正): bank approvers of the loan's bank
only (403 for other roles, 404 outside the scope or for a repayment of another loan), with a reason;
the button sits beside the loan's latest repayment for an approver who did not record it. A refusal
renders the loan page again (422) with its rule message; four eyes is 403.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length

from forms.fields import DataForm
from forms.repayment import RepaymentForm
from workflows import loan_queries, repayments
from workflows.errors import FormInvalidError, PolicyViolationError

from .auth import current_actor, roles_required
from .loans import render_loan_page
from .rule_messages import RULE_MESSAGES, rule_message
from .template_helpers import money

bp = Blueprint("repayments", __name__)

# The codes the repayment service answers with (the rule_messages test wants each to end in its code).
REPAYMENT_MESSAGES = {
    "overpayment": _l("The amount is more than the loan owes on that day (overpayment)"),
    "nothing_paid": _l("Enter the principal or the interest paid (nothing_paid)"),
    "loan_not_outstanding": _l("Only a disbursed loan that is not closed takes repayments (loan_not_outstanding)"),
    "paid_on_out_of_range": _l("The payment date must lie between the disbursement date and today (paid_on_out_of_range)"),
    "paid_on_before_last_repayment": _l("The payment date is before the last recorded repayment; record repayments in date order (paid_on_before_last_repayment)"),
    "idempotency_key_reused": _l("This Idempotency-Key was already used for a different repayment (idempotency_key_reused)"),
    "repayment_already_reversed": _l("This repayment has already been reversed (repayment_already_reversed)"),
    "reversal_not_approver": _l("Only a bank approver of the loan's bank may reverse a repayment (reversal_not_approver)"),
    "reversal_four_eyes": _l("You recorded this repayment; another bank approver must reverse it (reversal_four_eyes)"),
    "reversal_reason_missing": _l("Give the reason for the reversal (reversal_reason_missing)"),
    "reversal_not_latest": _l("Only the loan's latest repayment may be reversed; reverse the later ones first (reversal_not_latest)"),
    "reversal_loan_closed": _l("This repayment settled the loan and closed it; a closed loan is not reopened by a reversal (reversal_loan_closed)"),
    "reversal_subsidy_settled": _l("The interest subsidy of this repayment's quarter has already been settled; it cannot be reversed (reversal_subsidy_settled)"),
    "reversal_schedule_changed": _l("The loan was extended after this repayment; it cannot be reversed (reversal_schedule_changed)"),
}
for _code, _message in REPAYMENT_MESSAGES.items():
    RULE_MESSAGES.setdefault(_code, _message)
SHOWN_FIELDS = ("paid_on", "principal", "interest")


@bp.post("/loans/<int:loan_id>/repayments")
@roles_required("bank_officer")
def create(loan_id: int):
    actor = current_actor()
    loan = repayments.loan_for_repayment(actor.user, loan_id)
    form = RepaymentForm()
    if not form.validate():
        return render_loan_page(loan, form, status=422)
    try:
        recorded = repayments.record(actor, loan.id, form.to_data(), form.idempotency_key.data or None)
    except (PolicyViolationError, FormInvalidError) as exc:
        return render_loan_page(loan, form, status=422, alerts=_attach(form, exc.field_errors))
    repayment = recorded.repayment
    if recorded.created:
        flash(_("Repayment recorded: principal %(principal)s, interest %(interest)s, penalty interest %(penalty)s.",
                principal=money(repayment.principal), interest=money(repayment.interest),
                penalty=money(repayment.penalty_interest)), "success")
    else:
        flash(_("This repayment was already recorded."), "info")
    return redirect(url_for("loans.show", loan_id=loan.id, _anchor="repayments-section"))


class ReversalForm(DataForm):
    """冲正: why the repayment is reversed (the service refuses a blank reason with its rule code)."""

    reason = TextAreaField(_l("Reason for the reversal"), validators=[Length(max=repayments.REASON_MAX)])


@bp.post("/loans/<int:loan_id>/repayments/<int:repayment_id>/reversal")
@roles_required("bank_approver")
def reverse(loan_id: int, repayment_id: int):
    actor = current_actor()
    loan = repayments.loan_for_reversal(actor.user, loan_id)
    form = ReversalForm()
    try:
        if not form.validate():
            raise FormInvalidError({"reason": ["invalid"]})
        repayments.reverse(actor, loan.id, repayment_id, form.to_data())
    except (PolicyViolationError, FormInvalidError) as exc:
        codes = [code for items in exc.field_errors.values() for code in items] or list(exc.codes)
        return render_loan_page(loan, status=422, alerts=[rule_message(code) for code in codes])
    flash(_("Repayment reversed."), "success")
    return redirect(url_for("loans.show", loan_id=loan.id, _anchor="repayments-section"))


@bp.app_template_global()
def repayment_reversal(loan, book) -> dict:
    """For the repayments section: the repayment the user may reverse (the latest standing one, if they
    are an approver of the loan's bank who did not record it and the loan is open), its form, and
    the names of who recorded and reversed each repayment."""
    user = current_actor().user
    latest = book.repayments[-1] if book.repayments else None
    allowed = (latest is not None and repayments.may_reverse(user, loan) and latest.recorded_by_id != user.id
               and latest.loan_status_after != "closed")
    people = [r.recorded_by_id for r in book.history] + [r.reversed_by_id for r in book.history]
    return {"repayment_id": latest.id if allowed else None, "form": ReversalForm(formdata=None) if allowed else None,
            "names": loan_queries.display_names(people)}


def _attach(form: RepaymentForm, field_errors: dict[str, list[str]]) -> list:
    """Codes beside the visible fields (the macro turns them into messages); the rest as alerts."""
    alerts = []
    for field, codes in field_errors.items():
        if field in SHOWN_FIELDS:
            form[field].errors = [*form[field].errors, *codes]
        else:
            alerts.extend(rule_message(code) for code in codes)
    return alerts

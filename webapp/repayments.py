"""Recording repayments on the loan page (还款登记).

``POST /loans/<id>/repayments``: bank officers of the loan's bank only (403 for other roles and
for bank staff who are not officers, 404 outside the user's scope), CSRF-protected. Success
redirects back to the loan page with a message; a refusal renders the loan page again (422) with
the messages beside the fields. The page's hidden idempotency key makes a double submit harmless.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forms.repayment import RepaymentForm
from workflows import repayments
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


def _attach(form: RepaymentForm, field_errors: dict[str, list[str]]) -> list:
    """Codes beside the visible fields (the macro turns them into messages); the rest as alerts."""
    alerts = []
    for field, codes in field_errors.items():
        if field in SHOWN_FIELDS:
            form[field].errors = [*form[field].errors, *codes]
        else:
            alerts.extend(rule_message(code) for code in codes)
    return alerts

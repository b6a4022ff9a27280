"""The finance bureau's pages: the risk fund's ledger and the subsidy settlements.

Their tasks (top-up, settlement review, payment, confirmation) open on the one task page,
``/tasks/<id>``, like every other task; these pages link to them.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.finance import FundDepositForm
from workflows import risk_fund, subsidy_settlement
from workflows.errors import PolicyViolationError
from workflows.policy import MissingPolicyDataError

from .auth import current_actor, roles_required
from .rule_messages import rule_message

bp = Blueprint("finance", __name__, url_prefix="/finance")
SETTLEMENT_READERS = ("finance_bureau", "supervisor", "bank_officer", "bank_approver")
@bp.get("/fund")
@roles_required("finance_bureau", "supervisor")
def fund(form: FundDepositForm | None = None, status: int = 200):
    may_enter = current_user.has_role("finance_bureau")
    if may_enter and form is None:
        form = FundDepositForm()
    try:
        position = risk_fund.position()
    except MissingPolicyDataError:
        position = None
    return render_template("finance/fund.html", position=position, ledger=risk_fund.ledger(request.args.get("cursor")),
                           fund=risk_fund.get_fund(), form=form if may_enter else None,
                           open_topup=risk_fund.open_topup(), list_url=_paged_url("finance.fund")), status


def _paged_url(endpoint: str, **values):
    """``list_url(cursor=…)`` for the keyset pager (``cursor_pagination``) of a page at ``endpoint``."""
    return lambda page=None, cursor=None: url_for(endpoint, cursor=cursor, **values)


@bp.post("/fund/entries")
@roles_required("finance_bureau")
def add_entry():
    form = FundDepositForm()
    if not form.validate_on_submit():
        return fund(form, 422)
    data = form.to_data()
    try:
        risk_fund.record_entry(current_actor(), data["kind"], data["amount"], data["occurred_on"], data["comment"],
                               voucher_number=data["voucher_number"])
    except PolicyViolationError as exc:
        for field, codes in exc.field_errors.items():
            if field in form._fields:
                form[field].errors = [*form[field].errors, *(str(rule_message(c)) for c in codes)]
        return fund(form, 422)
    flash(_("Ledger line recorded."), "success")
    return redirect(url_for("finance.fund"))


@bp.get("/settlements")
@roles_required(*SETTLEMENT_READERS)
def settlements():
    items = subsidy_settlement.settlements_for(current_user)
    return render_template("finance/settlements.html", settlements=items,
                           open_tasks=subsidy_settlement.open_tasks(items))


@bp.get("/settlements/<int:settlement_id>")
@roles_required(*SETTLEMENT_READERS)
def settlement(settlement_id: int):
    item = subsidy_settlement.settlement_for(current_user, settlement_id)
    return render_template("finance/settlement.html", settlement=item,
                           lines=subsidy_settlement.lines_page(item, request.args.get("cursor")),
                           list_url=_paged_url("finance.settlement", settlement_id=item.id),
                           open_task=subsidy_settlement.open_tasks([item]).get(item.id))

"""The finance bureau's pages: the risk fund's ledger, subsidy settlements, and the finance tasks.

The tasks of the processes without a loan (top-up, subsidy settlement) have their page here,
``/finance/tasks/<id>``, because the loan task page needs a loan.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forms import form_class
from forms.finance import FundDepositForm
from workflows import finance_tasks, risk_fund, subsidy_settlement
from workflows.errors import AlreadyCompletedError, ConcurrentUpdateError, PolicyViolationError
from workflows.policy import MissingPolicyDataError

from .auth import current_actor, roles_required
from .rule_messages import rule_message

bp = Blueprint("finance", __name__, url_prefix="/finance")
SETTLEMENT_READERS = ("finance_bureau", "supervisor", "bank_officer", "bank_approver")
MESSAGES = {
    "settlement_not_computed": _l("The settlement is not computed yet: its quarter has not closed "
                                  "(settlement_not_computed)"),
    "settlement_out_of_step": _l("The settlement is not at this step any more; reload the page "
                                 "(settlement_out_of_step)"),
    "date_out_of_range": _l("This date is outside the allowed range (date_out_of_range)"),
    "already_compensated": _l("The fund has already compensated this loan (already_compensated)"),
    "positive_amount": _l("The amount must be more than zero (positive_amount)"),
}


def message(code: str):
    return MESSAGES.get(code) or rule_message(code)


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
    return render_template("finance/fund.html", position=position, ledger=risk_fund.ledger(),
                           fund=risk_fund.get_fund(), form=form if may_enter else None,
                           open_topup=risk_fund.open_topup()), status


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
                form[field].errors = [*form[field].errors, *(str(message(c)) for c in codes)]
        return fund(form, 422)
    flash(_("Ledger line recorded."), "success")
    return redirect(url_for("finance.fund"))


@bp.get("/settlements")
@roles_required(*SETTLEMENT_READERS)
def settlements():
    return render_template("finance/settlements.html", settlements=subsidy_settlement.settlements_for(current_user))


@bp.get("/settlements/<int:settlement_id>")
@roles_required(*SETTLEMENT_READERS)
def settlement(settlement_id: int):
    item = subsidy_settlement.settlement_for(current_user, settlement_id)
    return render_template("finance/settlement.html", settlement=item)


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@roles_required("finance_bureau", "supervisor", "bank_officer")
def task(task_id: int):
    row, read_only = finance_tasks.task_for(current_user, task_id)
    if read_only and request.method == "POST":
        abort(403)
    form = None if read_only or row.state != "ready" else form_class(row.form)()
    if form is None or not form.is_submitted():
        facts = finance_tasks.task_facts(row)
        if form is not None:
            form.instance_version.data = facts.instance_version
        return render_task(row, facts, form, read_only=read_only)
    if not form.validate():
        return render_task(row, finance_tasks.task_facts(row), form, status=422)
    return complete(row, form)


def complete(row, form):
    try:
        finance_tasks.complete_task(current_actor(), row.id, form.to_data(), expected_version=form.expected_version)
    except PolicyViolationError as exc:
        return render_task(row, finance_tasks.task_facts(row), form, status=422, alerts=attach(form, exc))
    except (AlreadyCompletedError, ConcurrentUpdateError) as exc:
        return render_task(row, finance_tasks.task_facts(row), None, status=409, alerts=[message(exc.codes[0])])
    flash(_("Done: %(task)s.", task=row.title), "success")
    fund_task = finance_tasks.process_key(row) == risk_fund.PROCESS_KEY
    return redirect(url_for("finance.fund" if fund_task else "finance.settlements"))


def attach(form, exc: PolicyViolationError) -> list:
    alerts = []
    for field, codes in exc.field_errors.items():
        if field in form._fields and field != "instance_version":
            form[field].errors = [*form[field].errors, *(str(message(c)) for c in codes)]
        else:
            alerts.extend(message(c) for c in codes)
    return alerts


def render_task(row, facts, form, *, status: int = 200, alerts=(), read_only: bool = False):
    return render_template("finance/task.html", task=row, facts=facts, form=form, alerts=list(alerts),
                           read_only=read_only), status

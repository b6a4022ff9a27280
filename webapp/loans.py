"""Loan pages (贷款): the scoped, filtered list and one loan with its live diagram, repayment book
(schedule, what is owed today, repayments, the officer's repayment form) and audit timeline.

Every route needs a signed-in user; a loan outside the user's scope answers 404, like a missing one.
"""
from __future__ import annotations

from uuid import uuid4

import sqlalchemy as sa

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from forms import LOAN_KIND_CHOICES, PURPOSE_CATEGORIES
from forms.repayment import RepaymentForm
from models import GRADES, LOAN_STATUSES, OUTSTANDING_STATUSES, Bank, Loan, db
from workflows import clock, loan_queries, repayments, resident_id
from workflows.tasks import access
from workflows.tasks.access import Purpose

from . import labels
from .auth import current_actor, roles_required
from .labels import LabelMap
from .template_helpers import money, status_name, task_title

bp = Blueprint("loans", __name__, url_prefix="/loans")

ACTIONS = LabelMap("action")  # audit actions and history field names: the label catalogue
FIELD_LABELS = LabelMap("field")
VALUE_LABELS = {
    "purpose_category": dict(PURPOSE_CATEGORIES), "kind": dict(LOAN_KIND_CHOICES),
    "decision": {"approve": _l("Approve"), "reject": _l("Reject"), "return": _l("Return for more investigation")},
}
BOOLEANS = {True: _l("Yes"), False: _l("No")}
MONEY_KEYS = frozenset({"amount", "credit_line", "recommended_amount", "approved_amount", "principal_outstanding",
                        "principal", "interest", "penalty_interest"})


def field_label(key: str) -> str:
    return labels.field_label(key)


def field_value(key: str, value) -> str:
    """A timeline value as a reader sees it: names for codes, Yes/No, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(BOOLEANS[value])
    if key == "status":
        return status_name(str(value))
    if key in MONEY_KEYS:
        return money(value)
    if key == "bank":
        return _bank_name(str(value))
    if value in VALUE_LABELS.get(key, {}):
        return str(VALUE_LABELS[key][value])
    return labels.field_choice(key, value) or str(value)


def _bank_name(code: str) -> str:
    bank = db.session.scalars(sa.select(Bank).filter_by(code=code)).first()
    return bank.name if bank else code


def list_url(**changes) -> str:
    """The list's URL with the current query arguments, some changed (empty values dropped); any
    change but paging starts again on the first page (a cursor belongs to its order and filters)."""
    args = {**request.args.to_dict(), **changes}
    if "cursor" not in changes:
        args.pop("cursor", None)
    return url_for("loans.index", **{key: value for key, value in args.items() if value not in (None, "")})


@bp.get("")
@roles_required()
def index():
    filters = loan_queries.LoanFilters.from_args(request.args)
    page = loan_queries.search_loans(current_actor().user, filters)
    return render_template(
        "loans/index.html", page=page, filters=filters, choices=loan_queries.filter_choices(),
        statuses=LOAN_STATUSES, grades=GRADES, list_url=list_url, mask=resident_id.mask)


@bp.get("/<int:loan_id>")
@roles_required()
def show(loan_id: int):
    return render_loan_page(loan_queries.loan_for(current_actor().user, loan_id))


def render_loan_page(loan: Loan, repayment_form: RepaymentForm | None = None, *, status: int = 200,
                     alerts=()):
    """The loan page; the repayments view renders it again with its form's errors."""
    user = current_actor().user
    reveal = loan_queries.shows_full_id_number(user, loan)
    events = loan_queries.loan_timeline(loan.id)
    tasks = [(task, access.may(user, task, Purpose.COMPLETE)) for task in loan_queries.open_tasks(loan.id)]
    book = repayments.book(loan, clock.today())
    if repayment_form is None and repayments.may_record(user, loan) and loan.status in OUTSTANDING_STATUSES:
        repayment_form = RepaymentForm(formdata=None, paid_on=clock.today(), idempotency_key=uuid4().hex)
    return render_template(
        "loans/show.html", loan=loan, reveal=reveal, events=events, tasks=tasks, book=book,
        repayment_form=repayment_form, repayment_alerts=list(alerts),
        id_number=loan.applicant_id_number if reveal else resident_id.mask(loan.applicant_id_number),
        names=loan_queries.display_names([*(e.actor_id for e in events),
                                          *(r.recorded_by_id for r in book.repayments)]),
        actions=ACTIONS, changes=loan_queries.event_changes, form_of=lambda e: loan_queries.event_form(e, reveal),
        task_title=task_title, field_label=field_label, field_value=field_value,
        purpose_label=lambda code: str(VALUE_LABELS["purpose_category"].get(code, code)),
        kind_label=lambda code: str(VALUE_LABELS["kind"].get(code, code))), status


@bp.get("/<int:loan_id>/diagram.json")
@roles_required()
def diagram(loan_id: int):
    loan = loan_queries.loan_for(current_actor().user, loan_id)
    return jsonify(loan_queries.diagram_state(loan.id))

"""Audit review (审计查询): search the trail, a loan's audit timeline, findings, exports, chain check.

The supervisor reviews everything; the administrator only the events of administration
(``workflows.audit_search.ADMIN_ACTIONS``); everyone else gets 403. ID and phone numbers in the
events' before/after data are always masked here.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from models import ROLES
from workflows import audit, audit_findings, audit_search, clock, exports, loan_queries
from workflows.errors import FormInvalidError, NotFoundError
from workflows.masking import masked_json

from .auth import current_actor, roles_required
from .errors import HTTP_MESSAGES
from .labels import LabelMap
from .template_helpers import task_title

bp = Blueprint("audit_review", __name__, url_prefix="/audit")
REVIEWERS = ("supervisor", "admin")

ACTIONS = LabelMap("action")  # the label catalogue
RULE_TITLES = LabelMap("finding")
EXPORT_HEADERS = {
    "id": _l("Event"), "occurred_at": _l("Time (Beijing)"), "action": _l("Action"), "task_name": _l("Step"),
    "actor_name": _l("Username"), "actor_display_name": _l("Name"), "actor_role": _l("Role"),
    "ip_address": _l("Address"), "loan_id": _l("Loan"), "household_id": _l("Household"), "township": _l("Township"),
    "bank": _l("Bank"), "comment": _l("Event comment"), "codes": _l("Rule codes"), "before": _l("Before"),
    "after": _l("After"), "hash": _l("Hash"),
}


FILTER_LABELS = {  # the search form's labels, to name a refused filter
    "loan": _l("Loan no."), "household": _l("Household no."), "user": _l("User (username or no.)"),
    "role": _l("Role"), "township": _l("Township"), "bank": _l("Bank"), "action": _l("Action"), "task": _l("Step"),
    "from": _l("From"), "to": _l("To"),
}


def search_url(**changes) -> str:
    """The search's URL with some query arguments changed; any change but paging starts on the first page."""
    args = {**request.args.to_dict(), **changes}
    if "cursor" not in changes:
        args.pop("cursor", None)
    return url_for("audit_review.index", **{k: v for k, v in args.items() if v not in (None, "")})


def _view_helpers() -> dict:
    return {"actions": ACTIONS, "rule_titles": RULE_TITLES, "task_title": task_title, "as_json": masked_json}


@bp.get("")
@roles_required(*REVIEWERS)
def index():
    """The search; filters it cannot read (an id out of range, a day outside the years) answer 422 with the form."""
    user = current_actor().user
    try:
        filters, status = audit_search.AuditFilters.from_args(request.args), 200
    except FormInvalidError as refused:
        filters, status = audit_search.AuditFilters(), 422
        names = "、".join(str(FILTER_LABELS.get(name, name)) for name in refused.field_errors)
        flash(f"{HTTP_MESSAGES[422]} ({names})", "danger")
    page = audit_search.search(user, filters) if status == 200 else loan_queries.Page()
    return render_template(
        "audit/index.html", page=page, filters=filters, names=audit_search.display_names(page.items),
        subject=audit_search.actor_of(filters), choices=loan_queries.filter_choices(), roles=ROLES,
        action_choices=audit_search.action_choices(user), task_choices=audit_search.task_choices(),
        list_url=search_url, loans_visible=audit_search.sees_loan_events(user), **_view_helpers()), status


def _export(kind: str):
    user = current_actor().user
    events = audit_search.export_events(user, audit_search.AuditFilters.from_args(request.args))
    headers = [str(EXPORT_HEADERS[key]) for key in audit_search.EXPORT_FIELDS]
    rows = audit_search.export_rows(events)
    stamp = clock.local(clock.now()).strftime("%Y%m%d-%H%M")
    if kind == "csv":
        body, mimetype = exports.to_csv(headers, rows), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx([(str(_l("Audit events")), headers, rows)])
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.{kind}"'})


@bp.get("/export.csv")
@roles_required(*REVIEWERS)
def export_csv():
    return _export("csv")


@bp.get("/export.xlsx")
@roles_required(*REVIEWERS)
def export_xlsx():
    return _export("xlsx")


@bp.get("/findings")
@roles_required(*REVIEWERS)
def findings():
    rule = request.args.get("rule") if request.args.get("rule") in audit_findings.RULES else None
    found = audit_findings.find_page(current_actor().user, rule, request.args.get("cursor"))
    return render_template("audit/findings.html", findings=found.items, page=found, rule=rule,
                           rules=audit_findings.RULES, names=audit_search.display_names([f.event for f in found.items]),
                           list_url=lambda page=None, cursor=None: url_for("audit_review.findings", rule=rule,
                                                                           cursor=cursor),
                           **_view_helpers())


@bp.get("/verify")
@roles_required(*REVIEWERS)
def verify():
    report = audit.verify()
    broken = audit_search.event_for(current_actor().user, report.broken_event_id)
    return render_template("audit/verify.html", report=report, broken=broken,
                           names=audit_search.display_names([broken] if broken else []), **_view_helpers())


@bp.get("/loans/<int:loan_id>")
@roles_required(*REVIEWERS)
def loan_timeline(loan_id: int):
    user = current_actor().user
    if loan_id > audit_search.MAX_ID:  # no such loan, and the lookup would overflow a database integer
        raise NotFoundError(f"loan {loan_id}")
    loan = loan_queries.loan_for(user, loan_id)
    events = audit_search.loan_events(user, loan.id)
    flagged: dict[int, list] = {}
    for finding in audit_findings.find(user, loan_id=loan.id):
        flagged.setdefault(finding.event.id, []).append(finding)
    return render_template("audit/loan.html", loan=loan, events=events, flagged=flagged,
                           names=audit_search.display_names(events), **_view_helpers())

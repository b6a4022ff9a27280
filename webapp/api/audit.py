"""Audit review over the API: ``GET /audit`` (the page's search) and ``GET /audit/findings``.

Supervisor: every event; administrator: the events of administration only; anyone else 403.
ID and phone numbers inside before/after are always masked.
"""
from __future__ import annotations

from decimal import Decimal

from flask import request

from workflows import audit_findings, audit_search
from workflows.masking import mask_data

from . import openapi
from .base import api_user, bp
from .openapi_schemas import ACTOR_ROLES, INSTANT, KEYSET, PAGE, array, integer, obj, ref, text
from .serialize import instant


def event_json(event) -> dict:
    return {
        "id": event.id, "occurred_at": instant(event.occurred_at), "action": event.action,
        "actor": event.actor_name, "actor_id": event.actor_id, "actor_role": event.actor_role,
        "ip_address": event.ip_address, "loan_id": event.loan_id, "household_id": event.household_id,
        "task_name": event.task_name, "before": mask_data(event.before), "after": mask_data(event.after),
        "comment": event.comment, "codes": event.codes or [], "hash": event.hash,
    }


@bp.get("/audit")
def list_audit_events():
    page = audit_search.search(api_user(), audit_search.AuditFilters.from_args(request.args))
    return {"items": [event_json(e) for e in page.items], "total": page.total, "total_capped": page.total_capped,
            "next_cursor": page.next_cursor, "page": page.page, "per_page": page.per_page}


@bp.get("/audit/findings")
def list_audit_findings():
    rule = request.args.get("rule")  # absent: every rule (the document's enum is checked before the view)
    audit_search.audit_scope(api_user())
    found = audit_findings.find_page(api_user(), rule, request.args.get("cursor") or None)
    return {"items": [{"rule": f.rule, "event": event_json(f.event),
                       "detail": {k: str(v) if isinstance(v, Decimal) else v for k, v in f.detail.items()}}
                      for f in found.items], "next_cursor": found.next_cursor}


openapi.EXTRA_SCHEMAS.update({
    "AuditEvent": obj(["id", "occurred_at", "action", "hash"], id=integer(), occurred_at=INSTANT, action=text(),
                      actor=text(True, description="username"), actor_id=integer(True),
                      actor_role=text(True, enum=[*ACTOR_ROLES, None]),
                      ip_address=text(True), loan_id=integer(True), household_id=integer(True), task_name=text(True),
                      before={"type": "object", "nullable": True, "description": "ID and phone numbers masked"},
                      after={"type": "object", "nullable": True, "description": "ID and phone numbers masked"},
                      comment=text(True), codes=array(text()), hash=text()),
    "AuditEventPage": obj(["items", "total", "total_capped", "next_cursor", "page", "per_page"],
                          items=array(ref("AuditEvent")), **PAGE, **KEYSET),
    "AuditFindingPage": obj(["items", "next_cursor"], items=array(ref("AuditFinding")),
                            next_cursor=KEYSET["next_cursor"]),
    "AuditFinding": obj(["rule", "event", "detail"], rule=text(enum=list(audit_findings.RULES)),
                        event=ref("AuditEvent"), detail={"type": "object", "description": "the figures: minutes, "
                                                         "limit, rate, cap (decimal strings), earlier_event_id"}),
})
openapi.EXTRA_TAGS.append("audit")
WHO = "Supervisor: every event; administrator: the events of administration only; others 403."


@openapi.add_paths
def _paths() -> dict:
    q = openapi.query
    filters = [openapi.query_id("loan"), openapi.query_id("household"),
               q("user", openapi.free_text(), "user id or username"), q("role", text(enum=ACTOR_ROLES)),
               q("bank", openapi.code(openapi.BANK)), q("township", openapi.code(openapi.TOWNSHIP)),
               q("action", openapi.code("e.g. `task_completed`", 64)),
               q("task", openapi.code("BPMN task id, e.g. `approve_loan`", 64)),
               q("from", openapi.DAY, "first day (Asia/Shanghai)"),
               q("to", openapi.DAY, "last day, included (Asia/Shanghai); not before `from` (else 422)"),
               *openapi.PAGING, openapi.CURSOR]
    return {
        "/audit": {"get": openapi.op("list_audit_events", f"Search the audit trail, newest first. {WHO}",
                                     openapi.answer("200", "one page", "AuditEventPage"), 403, 422,
                                     params=filters, tag="audit")},
        "/audit/findings": {"get": openapi.op(
            "list_audit_findings", f"Events that break a rule after the fact. {WHO}",
            openapi.answer("200", "one page of findings, oldest event first", "AuditFindingPage"), 403, 422,
            params=[q("rule", text(enum=list(audit_findings.RULES))), openapi.CURSOR], tag="audit")},
    }

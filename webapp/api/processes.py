"""Process diagrams over the API (administrators only): versions, drafts, deploy.

A draft is created from a body of BPMN XML (``application/xml``: it replaces the file of the
newest version that defines the process) or JSON ``{"sources": {file: xml}, "comment"}`` (the
files given replace or join those of the newest version). It must pass the same validation as
the editor's deploy; problems come back as 422 ``diagram_invalid`` with messages per element id.
"""
from __future__ import annotations

from flask import request

from forms.registry import TASK_FORMS
from models import ProcessVersion
from workflows import drafts, versions
from workflows.errors import ForbiddenError, NotFoundError
from workflows.safe_xml import parse_xml
from workflows.validation.xml import descendants

from . import openapi
from .base import actor, api_user, bp
from .inputs import json_object
from .openapi_schemas import INSTANT, integer, obj, ref, text
from .serialize import instant

XML_TYPES = ("application/xml", "text/xml")
MAX_COMMENT = 500
MAX_KEY = 64


def require_admin() -> None:
    if not api_user().has_role("admin"):
        raise ForbiddenError("only administrators manage process diagrams")


def version_json(row: ProcessVersion) -> dict:
    return {"version": row.version, "deployed_at": instant(row.deployed_at), "comment": row.comment,
            "deployed_by": row.deployed_by.username if row.deployed_by else None, "hash": row.source_hash}


def known_shape(process_key: str) -> None:
    """A key no process can have (too long, or holding NUL, which PostgreSQL text refuses) is 404 unread."""
    if len(process_key) > MAX_KEY or "\x00" in process_key:
        raise NotFoundError(f"process {process_key[:MAX_KEY]!r}")


def newest(process_key: str) -> ProcessVersion:
    known_shape(process_key)
    rows = versions.versions(process_key)
    if not rows:
        raise NotFoundError(f"process {process_key}")
    return rows[0]


@bp.get("/processes")
def list_processes():
    require_admin()
    return {"items": [{"key": key, "latest": version_json(newest(key))} for key in versions.process_keys()]}


@bp.get("/processes/<process_key>/versions")
def list_versions(process_key: str):
    require_admin()
    newest(process_key)
    return {"items": [version_json(row) for row in versions.versions(process_key)]}


@bp.get("/processes/<process_key>/versions/<int:version>")
def get_version(process_key: str, version: int):
    require_admin()
    known_shape(process_key)
    row = versions.version(process_key, version)
    return {"process_key": process_key, **version_json(row), "sources": dict(row.sources)}


def _file_defining(process_key: str, sources: dict[str, str]) -> str:
    for name, xml in sorted(sources.items()):
        if name.endswith(".bpmn") and any(p.get("id") == process_key for p in descendants(parse_xml(xml), "process")):
            return name
    return f"{process_key}.bpmn"


def _uploaded(base: ProcessVersion) -> tuple[dict, str | None]:
    """The draft's sources and comment from the body (XML or JSON)."""
    if request.mimetype in XML_TYPES:
        return {**base.sources, _file_defining(base.process_key, base.sources): request.get_data(as_text=True)}, None
    payload = json_object("DraftInput")
    return {**base.sources, **payload["sources"]}, payload.get("comment")


@bp.post("/processes/<process_key>/drafts")
def create_draft(process_key: str):
    require_admin()
    base = newest(process_key)
    sources, comment = _uploaded(base)
    draft = drafts.create_draft(actor(), process_key, base, sources=sources, comment=comment,
                                known_forms=TASK_FORMS)
    return {"draft": {"id": draft.id, "revision": draft.revision}}, 201


@bp.post("/processes/<process_key>/drafts/<int:draft_id>/deploy")
def deploy_draft(process_key: str, draft_id: int):
    require_admin()
    comment = json_object("DeployInput", required=False).get("comment")
    known_shape(process_key)
    drafts.get_draft(draft_id, process_key)
    created = drafts.deploy_draft(actor(), draft_id, comment, TASK_FORMS)
    return {"version": created.version}, 201


VERSION = obj(["version", "deployed_at", "hash"], version=integer(minimum=1), deployed_at=INSTANT,
              comment=text(True), deployed_by=text(True, description="username"), hash=text())
openapi.EXTRA_SCHEMAS.update({
    "ProcessVersion": VERSION,
    "ProcessVersionSources": {"allOf": [VERSION, obj(["process_key", "sources"], process_key=text(), sources={
        "type": "object", "additionalProperties": text(), "description": "file name -> BPMN or DMN XML"})]},
    "ProcessSummary": obj(["key", "latest"], key=text(), latest=ref("ProcessVersion")),
    "DraftInput": obj(["sources"], sources={"type": "object", "additionalProperties": text(), "minProperties": 1,
                                            "description": "file name (`*.bpmn`, `*.dmn`) -> XML; replaces or "
                                                           "joins the files of the newest version"},
                      comment=text(True, maxLength=MAX_COMMENT)),
    "DeployInput": obj(comment=text(True, maxLength=MAX_COMMENT)),
    "DraftCreated": obj(["draft"], draft=obj(["id", "revision"], id=integer(), revision=integer())),
    "Deployed": obj(["version"], version=integer(minimum=1)),
})
openapi.EXTRA_TAGS.append("processes")
ADMIN = "Administrators only (others 403)."
INVALID = ("422 `diagram_invalid`: `errors` maps each element id (or file name, `__all__`) to its problems; "
           "nothing is stored")


@openapi.add_paths
def _paths() -> dict:
    key = {"name": "process_key", "in": "path", "required": True,
           "schema": text(maxLength=MAX_KEY, pattern=openapi.NO_NUL, description="e.g. `microcredit_loan`")}
    number, draft = openapi.path_id("version"), openapi.path_id("draft_id")
    create = openapi.op("create_process_draft", f"Upload a draft and validate it. {ADMIN} {INVALID}",
                        openapi.answer("201", "the draft", "DraftCreated"), 403, 404, 422, params=[key],
                        tag="processes")
    create["requestBody"] = {"required": True, "content": {
        "application/json": {"schema": ref("DraftInput")},
        "application/xml": {"schema": text(description="the BPMN XML of the process's own file")}}}
    deploy = openapi.op("deploy_process_draft", f"Validate and deploy a draft as the next version. {ADMIN} "
                        f"{INVALID}; 409 `stale` if the draft was deployed or a newer version exists",
                        openapi.answer("201", "the new version number", "Deployed"), 403, 404, 409, 422,
                        params=[key, draft], tag="processes")
    deploy["requestBody"] = {"required": False, "content": {"application/json": {"schema": ref("DeployInput")}}}
    return {
        "/processes": {"get": openapi.op(
            "list_processes", f"Deployed processes with their newest version. {ADMIN}",
            openapi.wrapped("200", "processes", "items", "ProcessSummary", many=True), 403, tag="processes")},
        "/processes/{process_key}/versions": {"get": openapi.op(
            "list_process_versions", f"Versions, newest first, with author, time and comment. {ADMIN}",
            openapi.wrapped("200", "versions", "items", "ProcessVersion", many=True), 403, 404, params=[key],
            tag="processes")},
        "/processes/{process_key}/versions/{version}": {"get": openapi.op(
            "get_process_version", f"One version with its BPMN and DMN sources. {ADMIN}",
            openapi.answer("200", "the version", "ProcessVersionSources"), 403, 404, params=[key, number],
            tag="processes")},
        "/processes/{process_key}/drafts": {"post": create},
        "/processes/{process_key}/drafts/{draft_id}/deploy": {"post": deploy},
    }


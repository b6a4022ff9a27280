"""``POST /api/v1/households/import``: the household list as a multipart upload (rural bureau only).

``?dry_run=1`` answers 200 with the per-row report and writes nothing. Otherwise the import is all or
nothing: 201 with the counts, or 422 (``import_refused``) with the same report and nothing written.
A file over the upload limits is 422 with the limit's code (``too_many_rows``…) and no report.
"""
from __future__ import annotations

from flask import request

from forms.imports import EXTENSIONS, MAX_UPLOAD_BYTES
from workflows import imports
from workflows.errors import FormInvalidError

from ..errors import error_payload
from ..imports import message, refusal_payload
from .base import actor, bp
from .openapi import EXTRA_SCHEMAS, EXTRA_TAGS, add_paths, answer, op, query
from .openapi_schemas import array, integer, obj, ref, text

DRY_RUN_VALUES = ("1", "true", "yes")


def _report_json(report) -> dict:
    return report.as_dict(message=lambda code: str(message(code)))


def _uploaded() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise FormInvalidError({"file": [str(message("required"))]})
    if upload.filename.rsplit(".", 1)[-1].lower() not in EXTENSIONS:
        raise FormInvalidError({"file": ["only .xlsx and .csv files can be imported"]})
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise FormInvalidError({"file": [f"larger than {MAX_UPLOAD_BYTES} bytes"]})
    return data, upload.filename


@bp.post("/households/import")
def import_households():
    who = imports.require_role("households", actor())
    data, filename = _uploaded()
    try:
        if request.args.get("dry_run", "").lower() in DRY_RUN_VALUES:
            return {"report": _report_json(imports.preview("households", who, data, filename))}
        report = imports.run("households", who, data, filename)
    except imports.ImportRefusedError as refused:
        body, status = error_payload(refused)
        return {**body, "report": _report_json(refused.report)}, status
    except imports.UploadRefusedError as refused:
        return refusal_payload(refused), 422
    return {"counts": report.counts, "sha256": report.sha256, "filename": report.filename}, 201


ROW_ERROR = obj(["field", "code"], field=text(), code=text(), detail=text(), message=text())
EXTRA_SCHEMAS.update({
    "ImportReport": obj(  # rows: the rejected rows with their errors per field
        ["kind", "sha256", "ok", "counts", "header_errors", "rows"], kind=text(), filename=text(), sha256=text(),
        ok={"type": "boolean"},
        counts={"type": "object", "additionalProperties": integer(),
                "description": "`rows`, `rejected`, and per action `create`, `update`, `remove`, `unchanged`"},
        notes={"type": "object"},
        header_errors=array(obj(["code"], code=text(), column=text(), message=text())),
        rows=array(obj(["row", "values", "errors"], row=integer(description="spreadsheet row (header = 1)"),
                       values={"type": "object", "additionalProperties": text()}, errors=array(ROW_ERROR)))),
    "ImportDone": obj(["counts", "sha256"], counts={"type": "object", "additionalProperties": integer()},
                      sha256=text(), filename=text()),
})
EXTRA_TAGS.append("imports")


@add_paths
def _paths() -> dict:
    operation = op("import_households", "Import the household list (rural bureau): all or nothing",
                   {**answer("201", "imported", "ImportDone"),
                    "200": {"description": "dry run: the report, nothing written",
                            "content": {"application/json": {"schema": obj(["report"], report=ref("ImportReport"))}}}},
                   403, 422, params=[query("dry_run", text(enum=["0", "1"]), "1: check only")], tag="imports")
    operation["responses"]["422"] = {"description": "bad upload, or rows with errors (`import_refused`, with `report`)",
                                     "content": {"application/json": {"schema": {"allOf": [
                                         ref("Error"), obj(report=ref("ImportReport"))]}}}}
    operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": obj(
        ["file"], file=text(format="binary", description="Excel .xlsx or CSV (UTF-8, UTF-8 with BOM, GBK)"))}}}
    return {"/households/import": {"post": operation}}

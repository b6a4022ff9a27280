"""Spreadsheet imports (批量导入): upload → preview with per-row errors → confirm.

``/imports/households`` (rural bureau), ``/imports/loans`` (bank officers: earlier-campaign loans of
their bank), ``/imports/lpr`` (admin). Between preview and confirmation the file is kept on disk,
not in the web process: ``workflows.imports.staging`` stores it in the instance folder
(``IMPORT_STAGING_DIR``, default ``<instance>/imports``) under a random token with its uploader,
kind and SHA-256; confirming re-reads and re-checks it (the list may have changed meanwhile), and
the error report (``errors.csv`` / ``errors.xlsx?token=…``) is rebuilt from it the same way.

``flask --app webapp imports backfill-lifecycle`` is the data fix for loans imported before they
entered the lifecycle (``workflows.imports.backfill``).
"""
from __future__ import annotations

import os

import click
from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forms.imports import MAX_UPLOAD_BYTES, ImportConfirmForm, ImportUploadForm
from workflows import audit, clock, imports
from workflows.imports import backfill, limits, staging
from workflows.imports import report as import_report

from .auth import current_actor, roles_required
from .rule_messages import rule_message

bp = Blueprint("imports", __name__, url_prefix="/imports")
PREVIEW_ROWS = 200  # rejected rows shown on the page; the downloadable report has them all
TITLES = {"households": _l("Import the household list"), "loans": _l("Import earlier loans"),
          "lpr": _l("Import LPR publications")}
# The codes of the import checks (each message ends in its code, like the rule messages).
IMPORT_MESSAGES = {
    "required": _l("This field is required (required)"),
    "too_long": _l("This entry is too long (too_long)"),
    "unreadable": _l("This value cannot be read as a date or number (unreadable)"),
    "unknown_township": _l("There is no township with this code or name (unknown_township)"),
    "unknown_village": _l("There is no village with this code or name in the township (unknown_village)"),
    "unknown_category": _l("The category must be 脱贫户 / poverty_lifted or 边缘易致贫户 / marginal (unknown_category)"),
    "bad_removed_flag": _l("Removed must be 是 or 否 (bad_removed_flag)"),
    "removed_reason_required": _l("A removed household needs the reason (removed_reason_required)"),
    "duplicate_in_file": _l("The same value appears in an earlier row of the file (duplicate_in_file)"),
    "must_be_positive": _l("The amount must be more than zero (must_be_positive)"),
    "rate_out_of_range": _l("The rate must be more than 0 and less than 100 percent (rate_out_of_range)"),
    "date_in_future": _l("This date is in the future (date_in_future)"),
    "maturity_before_disbursement": _l("The maturity date must be after the disbursement date (maturity_before_disbursement)"),
    "outstanding_out_of_range": _l("The outstanding principal must be more than zero and at most the amount (outstanding_out_of_range)"),
    "contract_exists": _l("Your bank already has a loan with this contract number (contract_exists)"),
    "bad_flag": _l("This must be 是 or 否 (bad_flag)"),
    "days_past_due_out_of_range": _l("The days past due must reach back no further than the disbursement date and, "
                                     "for a matured loan, at least to the maturity date (days_past_due_out_of_range)"),
    "outstanding_above_schedule": _l("The outstanding principal is more than the schedule leaves for a loan this "
                                     "many days past due (outstanding_above_schedule)"),
    "days_past_due_inconsistent": _l("No repayment schedule agrees with this outstanding principal and these days "
                                     "past due (days_past_due_inconsistent)"),
    "lpr_differs": _l("A publication with this date exists with other rates; past values stay (lpr_differs)"),
    "date_before_newest": _l("This date is before the newest publication; past values stay (date_before_newest)"),
    "missing_column": _l("A required column is missing (missing_column)"),
    "duplicate_column": _l("Two columns have the same meaning (duplicate_column)"),
    "empty_file": _l("The file has no rows (empty_file)"),
    "too_many_rows": _l("The file has more than %(limit)s rows, empty rows included (too_many_rows)",
                        limit=f"{limits.MAX_ROWS:,}"),
    "unknown_encoding": _l("The file is neither UTF-8 nor GBK text (unknown_encoding)"),
    "not_a_workbook": _l("The file is not an Excel .xlsx workbook (not_a_workbook)"),
    "unreadable_file": _l("The file cannot be read as CSV (unreadable_file)"),
    "file_too_large": _l("The file is larger than %(limit)s MB (file_too_large)",
                         limit=limits.MAX_FILE_BYTES // limits.MIB),
    "too_many_columns": _l("A row has more than %(limit)s cells (too_many_columns)", limit=limits.MAX_COLUMNS),
    "too_many_cells": _l("The file has more than %(limit)s cells (too_many_cells)", limit=f"{limits.MAX_CELLS:,}"),
    "cell_too_long": _l("A cell holds more than %(limit)s characters (cell_too_long)",
                        limit=f"{limits.MAX_CELL_CHARS:,}"),
    "too_much_text": _l("The imported columns hold more than %(limit)s characters in all (too_much_text)",
                        limit=f"{limits.MAX_TABLE_CHARS:,}"),
    "line_too_long": _l("A line of the file is longer than %(limit)s characters (line_too_long)",
                        limit=f"{limits.MAX_LINE_CHARS:,}"),
    "too_many_parts": _l("The workbook has more than %(limit)s parts inside (too_many_parts)",
                         limit=f"{limits.MAX_PARTS:,}"),
    "workbook_too_large": _l("Unpacked, the workbook would be larger than %(limit)s MB (workbook_too_large)",
                             limit=limits.MAX_UNPACKED_BYTES // limits.MIB),
    "suspicious_compression": _l("A part of the workbook is compressed more than %(limit)s to 1, like a zip bomb "
                                 "(suspicious_compression)", limit=limits.MAX_RATIO),
    "unsafe_xml": _l("The workbook has XML this system does not accept: a DOCTYPE or entity declaration, or "
                     "text not in UTF-8 (unsafe_xml)"),
    "no_policy_setting": _l("A policy setting the import needs is not set (no_policy_setting)"),
    "import_refused": _l("The file has errors; nothing was imported (import_refused)"),
}
COUNT_LABELS = {"rows": _l("rows"), "rejected": _l("rejected"), "create": _l("new"), "update": _l("updated"),
                "remove": _l("marked removed"), "unchanged": _l("unchanged"),
                # what a loan import did beyond the rows (``report.notes``): statuses, processes started
                "active": _l("current"), "extended": _l("extended before"), "overdue": _l("overdue"),
                "recovering": _l("in recovery"), "post_loan_started": _l("post-loan processes started")}
HEADINGS = {"row": _l("Row"), "errors": _l("Errors")}


def message(code: str):
    """The message of an import error code or the label of a count."""
    return COUNT_LABELS.get(code) or IMPORT_MESSAGES.get(code) or rule_message(code)


def refusal_message(refused: imports.UploadRefusedError) -> str:
    """The message of a file refused for a limit, with the row where it was passed."""
    text = str(message(refused.code))
    return f"{text} — {_('row %(number)s', number=refused.row)}" if refused.row else text


def refusal_payload(refused: imports.UploadRefusedError) -> dict:
    """The JSON error body (``webapp.errors`` shape) of a refused file: its code and message, also under ``file``."""
    text = refusal_message(refused)
    return {"errors": {"file": [text]}, "codes": [refused.code], "message": text}


def headings(kind: str) -> dict[str, str]:
    """Column headings of the error report: the first (Chinese) header name each column accepts."""
    names = {column.key: column.names[0] for column in imports.columns(kind)}
    return {**names, **{key: str(label) for key, label in HEADINGS.items()}}


def staging_dir() -> str:
    return current_app.config.get("IMPORT_STAGING_DIR") or os.path.join(current_app.instance_path, "imports")


def _page(kind: str, form, report=None, token: str | None = None, status: int = 200):
    confirm = ImportConfirmForm(token=token) if token and report is not None and report.ok else None
    return render_template("imports/upload.html", kind=kind, title=TITLES[kind], form=form, report=report,
                           token=token, confirm=confirm, preview_rows=PREVIEW_ROWS, message=message,
                           headings=headings(kind), max_mb=MAX_UPLOAD_BYTES // (1024 * 1024)), status


def _refused(kind: str, form, refused: imports.UploadRefusedError):
    """The upload page again (422) with the refusal under the file field; nothing was kept."""
    form.file.errors = [*form.file.errors, refusal_message(refused)]
    return _page(kind, form, status=422)


def upload(kind: str):
    actor = imports.require_role(kind, current_actor())
    form = ImportUploadForm()
    if request.method == "GET":
        return _page(kind, form)
    if not form.validate_on_submit():
        return _page(kind, form, status=422)
    data, filename = form.file.data.read(), form.file.data.filename or "upload"
    try:
        report = imports.preview(kind, actor, data, filename)
    except imports.UploadRefusedError as refused:
        return _refused(kind, form, refused)
    staged = staging.stage(staging_dir(), kind, actor.user.id, filename, data)
    return _page(kind, ImportUploadForm(formdata=None), report, staged.token)


def confirm(kind: str):
    actor = imports.require_role(kind, current_actor())
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        return _page(kind, ImportUploadForm(formdata=None), status=422)
    staged = staging.load(staging_dir(), kind, actor.user.id, form.token.data)
    try:
        report = imports.run(kind, actor, staged.data, staged.filename)
    except imports.ImportRefusedError as refused:
        return _page(kind, ImportUploadForm(formdata=None), refused.report, staged.token, status=422)
    except imports.UploadRefusedError as refused:
        staging.discard(staging_dir(), staged.token)
        return _refused(kind, ImportUploadForm(formdata=None), refused)
    staging.discard(staging_dir(), staged.token)
    figures = {**report.counts, **report.notes}
    counts = ", ".join(f"{message(name)}: {number}" for name, number in figures.items())
    flash(_("Imported %(filename)s (%(counts)s).", filename=staged.filename, counts=counts), "success")
    return redirect(url_for(f"imports.{kind}"))


def error_report(kind: str, fmt: str):
    actor = imports.require_role(kind, current_actor())
    staged = staging.load(staging_dir(), kind, actor.user.id, request.args.get("token"))
    report = imports.preview(kind, actor, staged.data, staged.filename)
    build = import_report.rejected_rows_xlsx if fmt == "xlsx" else import_report.rejected_rows_csv
    mimetype = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
                else "text/csv; charset=utf-8")
    body = build(report, message=lambda code: str(message(code)), headings=headings(kind))
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={kind}-errors.{fmt}"})


for _kind, _role in imports.ROLES.items():
    bp.add_url_rule(f"/{_kind}", _kind, roles_required(_role)(lambda kind=_kind: upload(kind)),
                    methods=["GET", "POST"])
    bp.add_url_rule(f"/{_kind}/confirm", f"{_kind}_confirm",
                    roles_required(_role)(lambda kind=_kind: confirm(kind)), methods=["POST"])
    for _fmt in ("csv", "xlsx"):
        bp.add_url_rule(f"/{_kind}/errors.{_fmt}", f"{_kind}_errors_{_fmt}",
                        roles_required(_role)(lambda kind=_kind, fmt=_fmt: error_report(kind, fmt)))


@bp.cli.command("backfill-lifecycle")
def backfill_lifecycle_command() -> None:
    """Give loans imported earlier, without a schedule, their opening book and post-loan process (idempotent)."""
    report = backfill.backfill(audit.SYSTEM, clock.today())
    click.echo(f"imported loans entered into the lifecycle: {len(report.done)}; left as they are: "
               f"{len(report.skipped)}")
    for loan_id, reason in report.skipped.items():
        click.echo(f"  loan {loan_id}: {reason}")

"""The outcome of checking an import file: rows that are fine, rows with errors per field.

An import is all or nothing: ``ImportReport.ok`` is true only when the header is right, there is
at least one row and no row has an error. Errors are codes (``invalid_id_number``…); the web layer
turns them into messages. ``rejected_rows_csv`` / ``rejected_rows_xlsx`` give the downloadable
error report: the rejected rows with their values and their errors.
"""
from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..audit import Actor
from ..errors import DomainError, ForbiddenError


@dataclass(frozen=True)
class RowError:
    field: str
    code: str
    detail: str = ""  # e.g. the row number of the first occurrence of a duplicate


@dataclass
class RowResult:
    number: int
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)
    action: str | None = None  # create / update / remove / unchanged (households), create / skip…
    data: dict = field(default_factory=dict)  # the parsed values the import writes

    def fail(self, field_name: str, code: str, detail: str = "") -> None:
        self.errors.append(RowError(field_name, code, detail))


@dataclass
class ImportReport:
    kind: str
    filename: str
    sha256: str
    columns: tuple[str, ...]
    header_errors: list[tuple[str, str]] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    notes: dict = field(default_factory=dict)  # what the import did beyond the rows (e.g. post_loan_started)

    @classmethod
    def for_file(cls, kind: str, data: bytes, filename: str, columns) -> ImportReport:
        return cls(kind, filename, hashlib.sha256(data).hexdigest(), tuple(c.key for c in columns))

    @property
    def rejected(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.header_errors and bool(self.rows) and not any(row.errors for row in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        actions = Counter(row.action for row in self.rows if not row.errors and row.action)
        return {"rows": len(self.rows), "rejected": len(self.rejected), **actions}

    def as_dict(self, message: Callable[[str], str] = str, max_rows: int | None = None) -> dict:
        rejected = self.rejected
        return {
            "kind": self.kind, "filename": self.filename, "sha256": self.sha256, "ok": self.ok,
            "counts": self.counts, "notes": dict(self.notes),
            "header_errors": [{"code": code, "column": column, "message": message(code)}
                              for code, column in self.header_errors],
            "rows": [{"row": row.number, "values": row.values,
                      "errors": [_error_dict(e, message) for e in row.errors]}
                     for row in rejected[:max_rows]],
        }


def _error_dict(error: RowError, message) -> dict:
    return {"field": error.field, "code": error.code, "detail": error.detail, "message": message(error.code)}


def error_text(row: RowResult, message: Callable[[str], str] = str) -> str:
    return "; ".join(f"{e.field}: {message(e.code)}" + (f" ({e.detail})" if e.detail else "") for e in row.errors)


def _report_lines(report: ImportReport, message, headings: dict[str, str]):
    yield [headings.get("row", "row"), *(headings.get(c, c) for c in report.columns), headings.get("errors", "errors")]
    for code, column in report.header_errors:
        yield ["", *("" for _ in report.columns), f"{column}: {message(code)}" if column else message(code)]
    for row in report.rejected:
        yield [row.number, *(_safe(row.values.get(c, "")) for c in report.columns), error_text(row, message)]


def _safe(text: str) -> str:
    """No formula injection: a value starting like a formula is kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def rejected_rows_csv(report: ImportReport, message=str, headings: dict[str, str] | None = None) -> bytes:
    """UTF-8 with BOM (Excel opens it with the right characters)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _report_lines(report, message, headings or {}):
        writer.writerow(line)
    return buffer.getvalue().encode("utf-8-sig")


def rejected_rows_xlsx(report: ImportReport, message=str, headings: dict[str, str] | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("errors")
    for line in _report_lines(report, message, headings or {}):
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class ImportRefusedError(DomainError):
    """The file has errors: nothing was written (HTTP 422, code ``import_refused``)."""

    codes = ("import_refused",)

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(f"{len(report.rejected)} rejected rows, {len(report.header_errors)} header errors")


def acting_as(actor: Actor, role: str) -> Actor:
    """The actor in ``role``; ``ForbiddenError`` unless the active user holds it."""
    if actor.user is None or not actor.user.is_active or not actor.user.has_role(role):
        raise ForbiddenError(f"only {role} may run this import")
    return Actor(actor.user, role, actor.ip_address)

"""Generic exports (导出): rows and headers to CSV (UTF-8 with BOM, so Excel reads Chinese) or to XLSX.

Values are written as they come: Decimal and numbers as numbers in XLSX, dates and datetimes as
ISO text in CSV and as dates in XLSX (timezone-aware datetimes in the district's local time, as
Excel has no time zones). Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
``@`` first) gets a leading apostrophe: an exported comment must never become a formula.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from . import clock

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_SHEET_TITLE = 31  # Excel's limit
MAX_COLUMN_WIDTH = 60

Sheet = tuple[str, Sequence[str], Iterable[Sequence]]


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _local(value: datetime) -> datetime:
    return clock.local(value).replace(tzinfo=None) if value.tzinfo else value


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (date, Decimal, int, float)) and not isinstance(value, bool):
        return str(value)
    return _safe_text(str(value))


def to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A CSV file: a BOM, the header row, then one line per row (CRLF line ends, as RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_cell(value):
    if value is None or isinstance(value, (bool, int, float, Decimal, date)):
        return _local(value) if isinstance(value, datetime) else value
    return _safe_text(str(value))


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per ``(title, headers, rows)``: bold header row, frozen, widths fitted."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(_sheet_title(title))
        sheet.append([str(h) for h in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([xlsx_cell(value) for value in row])
        sheet.freeze_panes = "A2"
        _fit_columns(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_xlsx(sheets: Sequence[Sheet], target, widths: int = 20) -> None:
    """The same workbook as ``to_xlsx`` written to ``target`` (a path or a binary file) row by row
    (openpyxl's write-only mode): memory stays flat however many rows ``rows`` yields, so the rows may
    come from a generator reading the database in chunks. Columns get the same ``widths`` (the rows
    are not read twice to fit them)."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(_sheet_title(title))
        for index in range(1, len(headers) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = widths
        sheet.freeze_panes = "A2"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=str(header))
            cell.font = Font(bold=True)
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([xlsx_cell(value) for value in row])
    workbook.save(target)


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return (cleaned or "Sheet")[:MAX_SHEET_TITLE]


def _fit_columns(sheet) -> None:
    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        width = max((len(str(v)) for v in column if v is not None), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_COLUMN_WIDTH)

"""Read an uploaded spreadsheet into rows of plain text values keyed by our column names.

Accepted: Excel ``.xlsx`` (the first sheet, read with openpyxl in read-only mode) and CSV in UTF-8
(with or without BOM) or GBK/GB18030, as Chinese Excel saves it. The first non-empty line is the
header; each header cell is matched against the Chinese and English names of a ``Column``. Cell
values come back as stripped text (dates as ISO text, whole numbers without ``.0``), so every
importer parses one kind of input. Row numbers are the spreadsheet's (the header is row 1).

Files are held to ``limits``: ``check_upload`` refuses an oversized or unsafe file before anything
parses it; reading streams and refuses (``UploadRefusedError``) at the first row, cell or character
over a limit, empty rows included, before the rows of the whole sheet are built.
"""
from __future__ import annotations

import csv
import io
import xml.parsers.expat
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime

from . import limits
from .limits import NotAWorkbookError, UnreadableFileError, UploadRefusedError

# What openpyxl raises on a damaged workbook (SyntaxError: XML not well-formed; ValueError: defusedxml refusals).
WORKBOOK_ERRORS = (zipfile.BadZipFile, LookupError, OSError, ValueError, TypeError, SyntaxError, EOFError, zlib.error,
                   RuntimeError, NotImplementedError, xml.parsers.expat.ExpatError)


@dataclass(frozen=True)
class Column:
    """One column an importer knows: our key, the header names it accepts, whether it must be there."""

    key: str
    names: tuple[str, ...]
    required: bool = True


@dataclass
class Table:
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    header_errors: list[tuple[str, str]] = field(default_factory=list)  # (code, column or header text)


def header_key(text: str) -> str:
    """Header text compared loosely: no BOM, spaces, brackets or case."""
    cleaned = str(text or "").replace("\ufeff", "").strip().lower()
    for ch in " _-()（）/":
        cleaned = cleaned.replace(ch, "")
    return cleaned


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


def is_xlsx(data: bytes, filename: str) -> bool:
    return filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04"


def decode_csv(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else GB18030 (a superset of GBK), else refused."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFileError("unknown_encoding")


def check_upload(data: bytes, filename: str) -> None:
    """Refuse (``UploadRefusedError``) a file over the size limits or not a sound workbook; nothing is parsed."""
    limits.check_size(data)
    if is_xlsx(data, filename):
        limits.check_archive(data).close()


def raw_lines(data: bytes, filename: str):
    """The file's lines as lists of cell values (xlsx: the first worksheet)."""
    limits.check_size(data)
    if is_xlsx(data, filename):
        return _xlsx_lines(data)
    return _csv_lines(decode_csv(data))


def _csv_lines(text: str):
    stream = io.StringIO(text, newline="")
    return csv.reader(_bounded_lines(stream))


def _bounded_lines(stream: io.StringIO):
    """Physical lines, each refused past ``MAX_LINE_CHARS`` before csv splits it (and reads no more of it)."""
    number = 0
    while line := stream.readline(limits.MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > limits.MAX_LINE_CHARS:
            raise UploadRefusedError("line_too_long", number)
        yield line


def _xlsx_lines(data: bytes):
    from openpyxl import load_workbook

    with limits.check_archive(data) as archive:
        limits.scan_parts(archive)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except WORKBOOK_ERRORS:
        raise NotAWorkbookError() from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # rows as wide as their cells, not as the file claims
        yield from sheet.iter_rows(values_only=True)
    except WORKBOOK_ERRORS:
        raise NotAWorkbookError() from None
    finally:
        workbook.close()


def _within_limits(lines):
    """Each line's cells as text, refused at the first row, cell or character over the limits (empty rows count)."""
    cells = 0
    for number, values in enumerate(lines, 1):
        if number > limits.MAX_ROWS:
            raise UploadRefusedError("too_many_rows")
        if len(values) > limits.MAX_COLUMNS:
            raise UploadRefusedError("too_many_columns", number)
        cells += len(values)
        if cells > limits.MAX_CELLS:
            raise UploadRefusedError("too_many_cells")
        texts = [cell_text(v) for v in values]
        if any(len(text) > limits.MAX_CELL_CHARS for text in texts):
            raise UploadRefusedError("cell_too_long", number)
        yield texts


def read_table(data: bytes, filename: str, columns: tuple[Column, ...]) -> Table:
    """The file as rows of ``{key: text}``; header problems and unreadable files as header errors.

    ``UploadRefusedError`` when the file is over a limit of ``limits``; a file that is no workbook at all
    stays a header error (``not_a_workbook``), as ``check_upload`` refuses it before this is called.
    """
    table = Table()
    try:
        lines = _within_limits(raw_lines(data, filename))
        header, number = _header(lines)
        if header is None:
            table.header_errors.append(("empty_file", ""))
            return table
        positions = _positions(header, columns, table)
        if table.header_errors:
            return table
        kept = 0
        for texts in lines:
            number += 1
            if not any(texts):
                continue
            values = {key: texts[i] if i < len(texts) else "" for key, i in positions.items()}
            kept += sum(map(len, values.values()))
            if kept > limits.MAX_TABLE_CHARS:
                raise UploadRefusedError("too_much_text", number)
            table.rows.append((number, values))
    except (UnreadableFileError, csv.Error) as exc:
        table.header_errors.append((str(exc) if isinstance(exc, UnreadableFileError) else "unreadable_file", ""))
    return table


def _header(lines) -> tuple[list[str] | None, int]:
    number = 0
    for texts in lines:
        number += 1
        if any(texts):
            return texts, number
    return None, number


def _positions(header: list[str], columns: tuple[Column, ...], table: Table) -> dict[str, int]:
    by_name = {header_key(name): column.key for column in columns for name in (column.key, *column.names)}
    positions: dict[str, int] = {}
    for index, text in enumerate(header):
        key = by_name.get(header_key(text))
        if key is None:
            continue
        if key in positions:
            table.header_errors.append(("duplicate_column", text))
        positions[key] = index
    for column in columns:
        if column.required and column.key not in positions:
            table.header_errors.append(("missing_column", column.names[0] if column.names else column.key))
    return positions

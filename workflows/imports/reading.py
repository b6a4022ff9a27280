"""Read an uploaded spreadsheet into rows of plain text values keyed by our column names.

Accepted: Excel ``.xlsx`` (the first sheet, read with openpyxl in read-only mode) and CSV in UTF-8
(with or without BOM) or GBK/GB18030, as Chinese Excel saves it. The first non-empty line is the
header; each header cell is matched against the Chinese and English names of a ``Column``. Cell
values come back as stripped text (dates as ISO text, whole numbers without ``.0``), so every
importer parses one kind of input. Row numbers are the spreadsheet's (the header is row 1).
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

MAX_ROWS = 100_000


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


class UnreadableFileError(ValueError):
    """The bytes are neither an xlsx workbook nor CSV text in a known encoding."""


def raw_lines(data: bytes, filename: str):
    """The file's lines as lists of cell values (xlsx: the first worksheet)."""
    if is_xlsx(data, filename):
        return _xlsx_lines(data)
    text = decode_csv(data)
    return csv.reader(io.StringIO(text, newline=""))


def _xlsx_lines(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFileError("not_a_workbook") from exc
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def read_table(data: bytes, filename: str, columns: tuple[Column, ...]) -> Table:
    """The file as rows of ``{key: text}``; header problems and unreadable files as header errors."""
    table = Table()
    try:
        lines = iter(raw_lines(data, filename))
        header, number = _header(lines)
        if header is None:
            table.header_errors.append(("empty_file", ""))
            return table
        positions = _positions(header, columns, table)
        if table.header_errors:
            return table
        for values in lines:
            number += 1
            texts = [cell_text(v) for v in values]
            if not any(texts):
                continue
            if len(table.rows) >= MAX_ROWS:
                table.header_errors.append(("too_many_rows", str(MAX_ROWS)))
                return table
            table.rows.append((number, {key: texts[i] if i < len(texts) else "" for key, i in positions.items()}))
    except (UnreadableFileError, csv.Error) as exc:
        table.header_errors.append((str(exc) if isinstance(exc, UnreadableFileError) else "unreadable_file", ""))
    return table


def _header(lines) -> tuple[list[str] | None, int]:
    number = 0
    for values in lines:
        number += 1
        texts = [cell_text(v) for v in values]
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

"""Hostile import files for the upload-limit tests, built small: parts are streamed compressed into
the zip, never held whole. ``peak_mib`` measures the Python memory a call allocates at its peak."""
from __future__ import annotations

import functools
import io
import tracemalloc
import zipfile

from tests.factories_imports import fixed_rows, xlsx_bytes

SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_END = b"</sheetData></worksheet>"
CHUNK = 1 << 20


def good_xlsx() -> bytes:
    return xlsx_bytes(fixed_rows())


def with_part(name: str, chunks, base: bytes | None = None, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """``base`` (a good workbook) with part ``name`` replaced by the concatenated ``chunks``, streamed in."""
    source = zipfile.ZipFile(io.BytesIO(base or good_xlsx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info))
        info = zipfile.ZipInfo(name)
        info.compress_type = method
        with target.open(info, "w") as part:
            for chunk in chunks:
                part.write(chunk)
    return buffer.getvalue()


def repeated(unit: bytes, times: int):
    """``unit`` ``times`` over, in chunks of about a megabyte."""
    per_chunk = max(1, CHUNK // len(unit))
    block = unit * per_chunk
    for _ in range(times // per_chunk):
        yield block
    yield unit * (times % per_chunk)


def empty_rows_xlsx(rows: int = 76_000_000) -> bytes:
    """The 457 MB sheet of empty rows (``<row/>`` six bytes each), compressed to about half a megabyte."""
    return with_part(SHEET, [SHEET_START, *repeated(b"<row/>", rows), SHEET_END])


def wide_row_xlsx(cells: int = 2_000_000, value: bytes = b"1") -> bytes:
    """One row of ``cells`` cells after a good header (the 2-million-cell row)."""
    cell = b"<c><v>" + value + b"</v></c>"
    return with_part(SHEET, [SHEET_START, b'<row r="1">', *repeated(cell, cells), b"</row>", SHEET_END])


def row_gap_xlsx(row: int = 500_000) -> bytes:
    """A few hundred bytes whose one row is numbered ``row``: openpyxl yields every empty row before it."""
    return with_part(SHEET, [SHEET_START, b'<row r="%d"><c><v>1</v></c></row>' % row, SHEET_END])


def ratio_zip(megabytes: int = 20) -> bytes:
    """A zip whose one part unpacks from a few KB to ``megabytes`` MB of zeros (about 1000:1)."""
    return with_part("xl/media/zeros.bin", repeated(b"\0" * CHUNK, megabytes))


def with_doctype(declaration: bytes, prefix: bytes = b"") -> bytes:
    """A good workbook whose sheet declares ``declaration`` (a DOCTYPE) after ``prefix``, before its root."""
    sheet = zipfile.ZipFile(io.BytesIO(good_xlsx())).read(SHEET)
    root = sheet.index(b"<worksheet")
    return with_part(SHEET, [sheet[:root], prefix, declaration, sheet[root:]])


def many_parts(count: int = 1_001) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for number in range(count):
            target.writestr(f"customXml/item{number}.xml", b"<a/>")
    return buffer.getvalue()


LAUGHS = b'<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
XXE = b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
UTF16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><a/>'
EBCDIC = b'<?xml version="1.0" encoding="cp500"?>' + "<worksheet/>".encode("cp500")
BOMBS = {  # name: (how to build it, the code that refuses it)
    "empty rows": (empty_rows_xlsx, "workbook_too_large"),
    "wide row": (wide_row_xlsx, "suspicious_compression"),
    "ratio": (ratio_zip, "suspicious_compression"),
    "many parts": (many_parts, "too_many_parts"),
    "bad zip": (lambda: b"PK\x03\x04" + bytes(range(256)) * 40, "not_a_workbook"),
    "truncated": (lambda: good_xlsx()[:-100], "not_a_workbook"),
    "bzip2 part": (lambda: with_part(SHEET, [SHEET_START, SHEET_END], method=zipfile.ZIP_BZIP2), "not_a_workbook"),
    "billion laughs": (lambda: with_doctype(LAUGHS), "unsafe_xml"),
    "external entity": (lambda: with_doctype(XXE), "unsafe_xml"),
    "doctype after a long comment": (lambda: with_doctype(XXE, b"<!--" + b" " * 8000 + b"-->"), "unsafe_xml"),
    "utf-16 part": (lambda: with_part(SHEET, [UTF16.encode("utf-16")]), "unsafe_xml"),
    "utf-16 part without bom": (lambda: with_part(SHEET, [UTF16.encode("utf-16-le")]), "unsafe_xml"),
    "ebcdic part": (lambda: with_part(SHEET, [EBCDIC]), "unsafe_xml"),
}


@functools.cache
def bomb(name: str) -> bytes:
    """The file ``name`` of ``BOMBS``, built once per test process."""
    return BOMBS[name][0]()


def peak_mib(call) -> tuple[BaseException | None, float]:
    """What ``call()`` raised (or None) and the peak of Python memory it allocated over what was there, in MiB."""
    tracing = tracemalloc.is_tracing()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    raised = None
    try:
        call()
    except BaseException as exc:  # handed back to the test, which asserts on it
        raised = exc
    peak = tracemalloc.get_traced_memory()[1] - before
    if not tracing:
        tracemalloc.stop()
    return raised, peak / (1024 * 1024)

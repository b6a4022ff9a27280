"""Upload limits (上传限制): how much an import file may hold, and the checks that hold it to them.

An upload is refused (``UploadRefusedError``, HTTP 422) before anything parses it when it is too big,
not a sound zip, would unpack to too much, is compressed like a zip bomb, or has XML that declares
a DOCTYPE or entities (``check_archive``: the zip directory and the first 4 KB of each part, nothing
unpacked). Before openpyxl reads a workbook, ``scan_parts`` streams every XML part through expat,
building no tree, and refuses a part with too many rows or cells, or a row wider than the column
limit, at the first element over it. The reader (``reading``) counts again what openpyxl yields.
"""
from __future__ import annotations

import codecs
import lzma
import re
import xml.parsers.expat
import zipfile
import zlib
from io import BytesIO

from ..errors import DomainError

MIB = 1024 * 1024
# The upload form's cap (``forms.imports.MAX_UPLOAD_BYTES``; workflows cannot import forms), held
# here too for callers that skip the form. A 50,000-row household list is about 2 MB as .xlsx.
MAX_FILE_BYTES = 10 * MIB
# Every row the reader yields counts, empty ones too: empty rows cost as much to read as full ones
# (a 1.4 MB file of empty rows unpacked to 457 MB). Also the most data rows an import takes.
MAX_ROWS = 100_000
# Cells in one row. openpyxl builds a whole row before yielding it (a 2-million-cell row took the
# worker to 1.4 GB); our widest import has 9 columns, extra columns are ignored but must fit.
MAX_COLUMNS = 256
# Cells in one sheet or CSV: the time to read a file grows with its cells. 100,000 rows of up to
# 20 columns.
MAX_CELLS = 2_000_000
# Characters in one cell. Our longest field is 200 characters; one shared string can fill every cell.
MAX_CELL_CHARS = 1_000
# Characters the rows keep in the columns an import reads. 100,000 rows of 200 characters; without
# it one long shared string repeated in every cell of a small workbook fills gigabytes.
MAX_TABLE_CHARS = 20_000_000
# Characters in one physical CSV line, read before the csv module splits it into cells.
MAX_LINE_CHARS = 64 * 1024
# Parts in a workbook (Excel writes about a dozen; each costs a directory entry and a check).
MAX_PARTS = 1_000
# Bytes of the zip's central directory, checked before zipfile loads one object per entry.
MAX_DIRECTORY_BYTES = MIB
# Bytes of all parts unpacked, as the zip directory declares them (zipfile reads no further).
# openpyxl writes 455 bytes per row of inline strings: 100,000 rows of 9 columns fit.
MAX_UNPACKED_BYTES = 100 * MIB
# Unpacked to packed size of one part. Sheets compress about 14:1; a run of empty rows 300:1.
MAX_RATIO = 100
# Parts smaller than this unpacked are not held to the ratio: they are harmless whatever it is.
RATIO_FLOOR_BYTES = MIB
# Bytes read from the start of each part to check its XML prolog (declaration, comments, DOCTYPE).
PROLOG_BYTES = 4096
# Compression methods OOXML allows: stored and deflated (bzip2 and lzma reach far higher ratios).
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
UTF8_NAMES = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}
ENCODING_RE = re.compile(rb"""^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, EOFError, OSError,
              ValueError, zlib.error, lzma.LZMAError)


class UploadRefusedError(DomainError):
    """The upload is over a limit or malformed (HTTP 422): refused before or while it is read.

    ``code`` names the limit passed (``too_many_rows``…) or the fault, ``row`` where it was found.
    """

    def __init__(self, code: str, row: int | None = None):
        self.codes = (code,)
        self.code, self.row = code, row
        super().__init__(code)


class UnreadableFileError(ValueError):
    """The bytes are neither an xlsx workbook nor CSV text in a known encoding (a header error of the report)."""


class NotAWorkbookError(UploadRefusedError, UnreadableFileError):
    """Not a sound .xlsx zip: refused by the upload check, a header error when a reader meets it."""

    def __init__(self) -> None:
        super().__init__("not_a_workbook")


def check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise UploadRefusedError("file_too_large")


def check_archive(data: bytes) -> zipfile.ZipFile:
    """The workbook's zip, opened and checked without unpacking; ``UploadRefusedError`` if it is unsafe."""
    if _directory_bytes(data) > MAX_DIRECTORY_BYTES:
        raise UploadRefusedError("too_many_parts")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except ZIP_ERRORS:
        raise NotAWorkbookError() from None
    try:
        _check_parts(archive)
    except BaseException:
        archive.close()
        raise
    return archive


def _directory_bytes(data: bytes) -> int:
    """The central directory's size from the end record (its signature is in the last 64 KB + 22 bytes)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        raise NotAWorkbookError()
    return int.from_bytes(data[end + 12:end + 16], "little")


def _check_parts(archive: zipfile.ZipFile) -> None:
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise UploadRefusedError("too_many_parts")
    if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise UploadRefusedError("workbook_too_large")
    for part in parts:
        if part.flag_bits & 0x1 or part.compress_type not in METHODS:
            raise NotAWorkbookError()
        if part.file_size > RATIO_FLOOR_BYTES and part.file_size > MAX_RATIO * part.compress_size:
            raise UploadRefusedError("suspicious_compression")
    for part in parts:
        _check_prolog(_head(archive, part))


def _head(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(part) as stream:
            return stream.read(PROLOG_BYTES)
    except ZIP_ERRORS:
        raise NotAWorkbookError() from None


def _check_prolog(head: bytes) -> None:
    """XML in UTF-8 only, with no DOCTYPE (where entities are declared) before its root element."""
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<"):
        raise UploadRefusedError("unsafe_xml")  # XML in UTF-16, which expat reads: its markup hides from these checks
    if not _is_xml(head):
        return  # not XML: a picture, printer settings…
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    declared = ENCODING_RE.match(text)
    if declared and declared.group(1).lower() not in UTF8_NAMES:
        raise UploadRefusedError("unsafe_xml")
    root = _root_start(text)
    if root is None or text.startswith(b"<!", root):
        raise UploadRefusedError("unsafe_xml")  # a DOCTYPE, or a prolog longer than anyone writes


def _root_start(text: bytes) -> int | None:
    """Where the root element starts, past the declaration, comments and instructions (None: not in ``text``)."""
    position = 0
    while True:
        position = len(text) - len(text[position:].lstrip())
        for opening, closing in ((b"<?", b"?>"), (b"<!--", b"-->")):
            if text.startswith(opening, position):
                end = text.find(closing, position + len(opening))
                if end < 0:
                    return None
                position = end + len(closing)
                break
        else:
            return position if position < len(text) else None


def scan_parts(archive: zipfile.ZipFile) -> None:
    """Stream every XML part through expat (no tree), refusing at the first row, cell or DOCTYPE over the limits."""
    for part in archive.infolist():
        if _is_xml(_head(archive, part)):
            _PartScan().read(archive, part)


def _is_xml(head: bytes) -> bool:
    return head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"<")


class _PartScan:
    """Counts the rows of one part, and the cells of its current row and in all, as expat meets them."""

    def __init__(self) -> None:
        self.rows = self.cells = self.row_cells = 0
        self.parser = xml.parsers.expat.ParserCreate()
        self.parser.StartElementHandler = self.start
        self.parser.StartDoctypeDeclHandler = self.parser.EntityDeclHandler = self.refuse_declarations

    def read(self, archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
        try:
            with archive.open(part) as stream:
                while chunk := stream.read(64 * 1024):
                    self.parser.Parse(chunk, False)
            self.parser.Parse(b"", True)
        except (xml.parsers.expat.ExpatError, *ZIP_ERRORS):
            raise NotAWorkbookError() from None

    def start(self, name: str, _attributes) -> None:
        local = name[name.rfind(":") + 1:]
        if local == "row":
            self.rows, self.row_cells = self.rows + 1, 0
            if self.rows > MAX_ROWS:
                raise UploadRefusedError("too_many_rows")
        elif local == "c" and self.rows:
            self.cells, self.row_cells = self.cells + 1, self.row_cells + 1
            if self.row_cells > MAX_COLUMNS:
                raise UploadRefusedError("too_many_columns", self.rows)
            if self.cells > MAX_CELLS:
                raise UploadRefusedError("too_many_cells")

    def refuse_declarations(self, *_args) -> None:
        raise UploadRefusedError("unsafe_xml")

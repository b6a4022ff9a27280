"""Upload bombs and malformed files are refused before they are unpacked or read whole, in bounded memory."""
from __future__ import annotations

import importlib.util

import pytest

from tests.factories_bombs import (BOMBS, SHEET, SHEET_END, SHEET_START, bomb, good_xlsx, peak_mib, row_gap_xlsx,
                                   wide_row_xlsx, with_part)
from tests.factories_imports import csv_bytes, fixed_rows
from workflows.imports import households, limits, staging
from workflows.imports.limits import UploadRefusedError
from workflows.imports.reading import check_upload, read_table

pytestmark = [pytest.mark.timeout(60)] if importlib.util.find_spec("pytest_timeout") else []
MEMORY_MIB = 50
REFUSED = [(name, code) for name, (_, code) in BOMBS.items()]
UNSAFE = [(name, code) for name, code in REFUSED if code != "not_a_workbook"]


@pytest.fixture
def no_parsing(monkeypatch):
    """openpyxl must not be reached: a test fails if anything loads the workbook."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("the workbook was parsed")
    monkeypatch.setattr("openpyxl.load_workbook", refuse)


def refused(call) -> str:
    raised, peak = peak_mib(call)
    assert isinstance(raised, UploadRefusedError), raised
    assert peak < MEMORY_MIB, f"{raised.code}: {peak:.1f} MiB"
    return raised.code


@pytest.mark.parametrize("name, code", REFUSED, ids=[case[0] for case in REFUSED])
def test_a_bomb_or_a_broken_zip_is_refused_before_it_is_unpacked(no_parsing, name, code):
    data = bomb(name)
    assert refused(lambda: check_upload(data, "list.xlsx")) == code


@pytest.mark.parametrize("name, code", UNSAFE, ids=[case[0] for case in UNSAFE])
def test_the_reader_refuses_them_too(no_parsing, name, code):
    data = bomb(name)
    assert refused(lambda: read_table(data, "list.xlsx", households.COLUMNS)) == code


def test_a_zip_directory_too_big_to_load_is_refused_before_zipfile_reads_it(monkeypatch):
    data = good_xlsx()
    monkeypatch.setattr(limits, "MAX_DIRECTORY_BYTES", 100)
    monkeypatch.setattr("zipfile.ZipFile", None)  # the check runs on the end record alone
    assert refused(lambda: check_upload(data, "list.xlsx")) == "too_many_parts"


def test_a_broken_zip_stays_a_header_error_of_the_reader():
    assert read_table(bomb("truncated"), "x.xlsx", households.COLUMNS).header_errors == [("not_a_workbook", "")]


@pytest.mark.parametrize("name, code", [("empty rows", "too_many_rows"), ("wide row", "too_many_columns")])
def test_past_the_zip_checks_the_scan_stops_at_the_first_row_or_cell_over(monkeypatch, no_parsing, name, code):
    monkeypatch.setattr(limits, "MAX_UNPACKED_BYTES", 1 << 40)
    monkeypatch.setattr(limits, "MAX_RATIO", 1 << 20)
    data = bomb(name)
    assert refused(lambda: read_table(data, "list.xlsx", households.COLUMNS)) == code


def test_empty_rows_count_even_where_the_sheet_skips_them(monkeypatch):
    monkeypatch.setattr(limits, "scan_parts", lambda archive: None)  # the reader counts on its own
    gap = row_gap_xlsx()
    wide = with_part(SHEET, [SHEET_START, b'<row r="1"><c r="XFD1"><v>1</v></c></row>', SHEET_END])
    assert refused(lambda: read_table(gap, "list.xlsx", households.COLUMNS)) == "too_many_rows"
    assert refused(lambda: read_table(wide, "list.xlsx", households.COLUMNS)) == "too_many_columns"


def test_a_row_wider_than_the_limit_is_refused_with_its_number():
    data = wide_row_xlsx(cells=limits.MAX_COLUMNS + 1)
    check_upload(data, "list.xlsx")  # small and sound: only reading finds it
    with pytest.raises(UploadRefusedError) as raised:
        read_table(data, "list.xlsx", households.COLUMNS)
    assert raised.value.code == "too_many_columns" and raised.value.row == 1


HEADER = "身份证号,户主姓名,镇乡街道,类别,是否出列\n"
CSVS = [
    ("too_many_rows", lambda: (HEADER + "\n" * limits.MAX_ROWS).encode()),
    ("too_many_columns", lambda: (HEADER + "," * limits.MAX_COLUMNS + "\n").encode()),
    ("cell_too_long", lambda: (HEADER + "1," + "甲" * (limits.MAX_CELL_CHARS + 1) + "\n").encode("gbk")),
    ("line_too_long", lambda: (HEADER + "1" * (limits.MAX_LINE_CHARS + 1)).encode()),
    ("too_many_cells", lambda: (HEADER + ("," * 199 + "\n") * (limits.MAX_CELLS // 200 + 1)).encode()),
    ("file_too_large", lambda: HEADER.encode() + b"1" * limits.MAX_FILE_BYTES),
]


@pytest.mark.parametrize("code, make", CSVS, ids=[c[0] for c in CSVS])
def test_a_csv_over_a_limit_is_refused_while_it_is_read(code, make):
    data = make()
    assert refused(lambda: read_table(data, "list.csv", households.COLUMNS)) == code


def test_the_text_the_rows_keep_is_bounded(monkeypatch):
    monkeypatch.setattr(limits, "MAX_TABLE_CHARS", 200)
    with pytest.raises(UploadRefusedError) as raised:
        read_table(csv_bytes(fixed_rows()), "list.csv", households.COLUMNS)
    assert raised.value.code == "too_much_text" and raised.value.row > 2


def test_good_files_pass_and_a_refused_one_is_never_staged(tmp_path):
    printer = with_part("xl/printerSettings/printerSettings1.bin", ["HP LaserJet".encode("utf-16-le"), bytes(200)])
    pictured = with_part("xl/media/image1.png", [b"\x89PNG\r\n\x1a\n", bytes(100)], base=printer)
    for data, filename in ((good_xlsx(), "list.xlsx"), (pictured, "list.xlsx"),
                           (csv_bytes(fixed_rows(), encoding="gbk"), "list.csv")):
        check_upload(data, filename)
        assert len(read_table(data, filename, households.COLUMNS).rows) == 5
    with pytest.raises(UploadRefusedError):
        staging.stage(tmp_path, "households", 1, "list.xlsx", bomb("ratio"))
    assert list(tmp_path.iterdir()) == []

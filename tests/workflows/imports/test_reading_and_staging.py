"""Reading spreadsheets (headers, encodings, xlsx cells), the error report, and staged uploads."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories_imports import csv_bytes, five_bad_rows, household_row, xlsx_bytes
from workflows import clock
from workflows.errors import NotFoundError
from workflows.imports import households, staging
from workflows.imports.reading import read_table
from workflows.imports.report import rejected_rows_csv
from workflows.imports.values import parse_date, parse_money, parse_rate

COLUMNS = households.COLUMNS


def test_headers_in_either_language_blank_lines_and_row_numbers():
    data = ("\ufeff 身份证号 ,Name,TOWNSHIP,类别,是否出列,extra\n\n1,甲,hanfeng,脱贫户,否,x\n,,,,,\n2,乙,dade,marginal,是,y\n")
    table = read_table(data.encode("utf-8"), "x.csv", COLUMNS)
    assert table.header_errors == []
    assert [(n, v["id_number"], v["name"], "village" in v) for n, v in table.rows] == [(3, "1", "甲", False), (5, "2", "乙", False)]


def test_xlsx_cells_become_text():
    row = household_row(1)
    row[0] = 5002341975  # a number typed into Excel
    table = read_table(xlsx_bytes([row]), "list.xlsx", COLUMNS)
    assert table.rows[0][1]["id_number"] == "5002341975" and table.rows[0][0] == 2


@pytest.mark.parametrize("data, filename, code", [
    (b"", "x.csv", "empty_file"),
    (b"PK\x03\x04 broken", "x.xlsx", "not_a_workbook"),
    (bytes([0xFF, 0xFE, 0xFD, 0x81, 0x20]), "x.csv", "unknown_encoding"),
    ("身份证号,户主姓名,户主姓名\n".encode(), "x.csv", "duplicate_column"),
])
def test_unreadable_files_are_header_errors(data, filename, code):
    assert code in {c for c, _ in read_table(data, filename, COLUMNS).header_errors}


def test_values_are_parsed_strictly():
    assert parse_date("2021年3月5日").isoformat() == "2021-03-05" == parse_date("20210305").isoformat()
    assert parse_date("2021-02-30") is None and parse_money("1.001") is None and parse_money("1e400") is None
    assert str(parse_rate("3.85%")) == "3.85" and parse_money("50,000.5") == parse_money("50000.50")


def test_the_error_report_lists_rejected_rows_and_defuses_formulas(world):
    rows = five_bad_rows() + [household_row(900, name="=HYPERLINK(1)")]
    report = households.check(csv_bytes(rows), "x.csv")
    text = rejected_rows_csv(report, headings={"row": "行"}).decode("utf-8-sig").splitlines()
    assert text[0].startswith("行,id_number") and len(text) == 1 + 5
    assert "'=HYPERLINK" not in "".join(text)  # row 900 is valid, so it is not in the report
    report.rows[-1].fail("name", "too_long")
    assert "'=HYPERLINK(1)" in rejected_rows_csv(report).decode("utf-8-sig")


def test_a_staged_file_comes_back_only_to_its_uploader_and_kind(tmp_path):
    staged = staging.stage(tmp_path, "households", 7, "名单.csv", b"abc")
    assert staging.load(tmp_path, "households", 7, staged.token).data == b"abc"
    for kind, user, token in (("lpr", 7, staged.token), ("households", 8, staged.token),
                              ("households", 7, "../../etc/passwd"), ("households", 7, None)):
        with pytest.raises(NotFoundError):
            staging.load(tmp_path, kind, user, token)
    (tmp_path / f"{staged.token}.bin").write_bytes(b"abd")
    with pytest.raises(NotFoundError):
        staging.load(tmp_path, "households", 7, staged.token)


def test_old_staged_files_are_purged(tmp_path):
    with clock.frozen(clock.now() - timedelta(days=2)):
        old = staging.stage(tmp_path, "lpr", 1, "a.csv", b"1")
    staging.stage(tmp_path, "lpr", 1, "b.csv", b"2")
    assert not (tmp_path / f"{old.token}.bin").exists() and len(list(tmp_path.glob("*.bin"))) == 1

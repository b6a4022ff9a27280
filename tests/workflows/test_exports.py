"""Generic CSV and XLSX writers, and the masks of ID and phone numbers."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from workflows import exports, masking


def test_csv_has_a_bom_headers_and_quoted_values():
    body = exports.to_csv(["名称", "金额"], [["测试户, 一组", Decimal("30000.00")], [None, 3]])
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["名称", "金额"], ["测试户, 一组", "30000.00"], ["", "3"]]


def test_csv_shows_instants_in_beijing_time_and_dates_as_iso():
    instant = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)
    body = exports.to_csv(["t", "d"], [[instant, date(2026, 3, 3)]]).decode("utf-8-sig")
    assert body.splitlines()[1] == "2026-03-03 00:00:00,2026-03-03"


@pytest.mark.parametrize("text", ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)"])
def test_text_that_looks_like_a_formula_stays_text(text):
    assert exports.csv_cell(text) == "'" + text
    assert exports.xlsx_cell(text) == "'" + text
    assert exports.csv_cell(Decimal("-2")) == "-2"  # numbers are numbers


def test_xlsx_round_trip_with_typed_cells_and_several_sheets():
    instant = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)
    body = exports.to_xlsx([("审计/事件[1]", ["id", "金额", "时间", "备注"], [[1, Decimal("12.50"), instant, "好"]]),
                            ("第二页", ["a"], [])])
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["审计 事件 1", "第二页"]
    sheet = book["审计 事件 1"]
    assert [c.value for c in sheet[1]] == ["id", "金额", "时间", "备注"] and sheet["A1"].font.bold
    assert [c.value for c in sheet[2]] == [1, 12.5, datetime(2026, 3, 3, 0, 0), "好"]
    assert sheet.freeze_panes == "A2" and book["第二页"].max_row == 1


def test_long_sheet_titles_are_cut_to_excels_limit():
    body = exports.to_xlsx([("x" * 40, ["a"], [["b"]])])
    assert load_workbook(io.BytesIO(body)).sheetnames == ["x" * 31]


@pytest.mark.parametrize("phone, masked", [
    ("13812345678", "138****5678"), ("023-5222 1234", "023****1234"), ("0235-2221-2345", "023*****2345"), ("1234567", "*******"), ("", ""), (None, None),
])
def test_phone_mask(phone, masked):
    assert masking.mask_phone(phone) == masked


def test_mask_data_masks_id_and_phone_numbers_at_any_depth():
    data = {"form": {"id_number": "500234198006151234", "phone": "13812345678", "amount": "30000.00"},
            "members": [{"member_id_number": "500234200101011238", "mobile": "13900001111"}], "note": None}
    assert masking.mask_data(data) == {
        "form": {"id_number": "500234********1234", "phone": "138****5678", "amount": "30000.00"},
        "members": [{"member_id_number": "500234********1238", "mobile": "139****1111"}], "note": None}
    assert masking.mask_id_number(None) is None and masking.mask_data("plain") == "plain"
    assert "500234********1234" in masking.masked_json({"id_number": "500234198006151234"})

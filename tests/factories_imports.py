"""Import files for tests: household rows with Chinese headers, as CSV (UTF-8, BOM, GBK) or .xlsx."""
from __future__ import annotations

import csv
import io
from datetime import date

from workflows import resident_id

CN_HEADER = ["身份证号", "户主姓名", "镇乡街道", "村社区", "类别", "是否出列", "出列原因"]
EN_HEADER = ["id_number", "name", "township", "village", "category", "removed", "removed_reason"]


def new_id(sequence: int, born: date = date(1975, 5, 20)) -> str:
    return resident_id.compose("500234", born, sequence)


def bad_checksum(number: str) -> str:
    return number[:-1] + ("1" if number[-1] == "0" else "0")


def household_row(sequence: int, **overrides) -> list[str]:
    values = {"id_number": new_id(sequence), "name": f"户主{sequence}", "township": "hanfeng",
              "village": "hanfeng_1", "category": "脱贫户", "removed": "否", "removed_reason": ""}
    values.update(overrides)
    return [values[key] for key in EN_HEADER]


def csv_bytes(rows: list[list], header=CN_HEADER, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], header=CN_HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def five_bad_rows() -> list[list[str]]:
    """One good row, then a bad checksum, an unknown township, a duplicate, a bad category, a missing name."""
    return [
        household_row(501),
        household_row(502, id_number=bad_checksum(new_id(502))),
        household_row(503, township="nowhere"),
        household_row(501, name="重复户"),
        household_row(504, category="富裕户"),
        household_row(505, name=""),
    ]


def fixed_rows() -> list[list[str]]:
    return [household_row(501), household_row(502), household_row(503, township="赵家街道", village="赵家村"),
            household_row(504, category="marginal", village=""), household_row(505)]

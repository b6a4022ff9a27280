"""Import files for tests: household rows with Chinese headers, as CSV (UTF-8, BOM, GBK) or .xlsx, and
earlier-campaign loans imported on a business date."""
from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa

from models import Loan, db
from tests.factories_postloan import at, install
from workflows import clock, resident_id
from workflows.imports import loans

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


# --- earlier-campaign loans (前期存量贷款) ---------------------------------------------------------

LOAN_HEADER = ["身份证号", "贷款金额", "放款日期", "到期日期", "年利率", "已展期次数", "贷款余额", "合同编号", "逾期天数",
               "清收中"]


def loan_csv(*rows: dict) -> bytes:
    """A loan import file; each row a dict of our keys (``days_past_due`` and ``in_recovery`` may be left out)."""
    keys = ["id_number", "amount", "disbursed_on", "maturity_date", "annual_rate", "extension_count",
            "principal_outstanding", "contract_number", "days_past_due", "in_recovery"]
    return csv_bytes([[str(row.get(key, "")) for key in keys] for row in rows], header=LOAN_HEADER)


def install_lifecycle() -> None:
    """What an imported loan's lifecycle reads: the post-loan and finance settings and processes."""
    install()


def imported_loan(world, household, day: date, **values):
    """Import one loan as ``officer_rcb`` with the business date on ``day`` (10:00); returns the Loan."""
    row = {"id_number": household.id_number, "amount": "50000", "disbursed_on": "2024-06-01",
           "maturity_date": "2026-06-01", "annual_rate": "4.35", "extension_count": "0",
           "principal_outstanding": "30000", "contract_number": f"KZ-OLD-{household.id}", **values}
    with clock.frozen(at(day)):
        loans.import_loans(world.actor("officer_rcb"), loan_csv(row), "loans.csv")
    return db.session.scalars(sa.select(Loan).where(Loan.contract_number == row["contract_number"])).one()

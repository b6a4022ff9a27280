"""Import LPR publications (贷款市场报价利率) uploaded by the administrator.

Columns: effective_date, lpr_1y, lpr_5y_plus. Past values stay: a date already in the table with
the same rates is skipped (``unchanged``), with different rates it is refused (``lpr_differs``);
a new date before the newest publication would rewrite what was in force and is refused
(``date_before_newest``), as on the admin page. All or nothing; audit ``lpr_imported``.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import LprRate, db

from .. import audit
from ..audit import Actor
from ..unit_of_work import unit_of_work
from .reading import Column, read_table
from .report import ImportRefusedError, ImportReport, RowResult, acting_as
from .values import parse_date, parse_rate

COLUMNS = (
    Column("effective_date", ("生效日期", "日期", "发布日期")),
    Column("lpr_1y", ("一年期LPR", "1年期LPR", "1y")),
    Column("lpr_5y_plus", ("五年期以上LPR", "5年期以上LPR", "5y")),
)


def check(data: bytes, filename: str) -> ImportReport:
    report = ImportReport.for_file("lpr", data, filename, COLUMNS)
    table = read_table(data, filename, COLUMNS)
    report.header_errors = table.header_errors
    if report.header_errors:
        return report
    known = {row.effective_date: (row.lpr_1y, row.lpr_5y_plus) for row in db.session.scalars(sa.select(LprRate))}
    newest = max(known, default=None)
    first_row: dict = {}
    for number, values in table.rows:
        row = RowResult(number, values)
        report.rows.append(row)
        _check_row(row, known, newest, first_row)
    return report


def _check_row(row: RowResult, known: dict, newest, first_row: dict) -> None:
    data = row.data
    data["effective_date"] = day = parse_date(row.values.get("effective_date", ""))
    if day is None:
        row.fail("effective_date", "required" if not row.values.get("effective_date") else "unreadable")
    for key in ("lpr_1y", "lpr_5y_plus"):
        data[key] = parse_rate(row.values.get(key, ""))
        if data[key] is None or not 0 < data[key] < 100:
            row.fail(key, "rate_out_of_range")
    if day is None or row.errors:
        return
    if day in first_row:
        row.fail("effective_date", "duplicate_in_file", str(first_row[day]))
    first_row.setdefault(day, row.number)
    if day in known:
        same = known[day] == (data["lpr_1y"], data["lpr_5y_plus"])
        row.action = "unchanged" if same else None
        if not same:
            row.fail("effective_date", "lpr_differs")
    elif newest is not None and day < newest:
        row.fail("effective_date", "date_before_newest")
    else:
        row.action = "create"


@unit_of_work
def import_lpr(actor: Actor, data: bytes, filename: str) -> ImportReport:
    admin = acting_as(actor, "admin")
    report = check(data, filename)
    if not report.ok:
        raise ImportRefusedError(report)
    for row in report.rows:
        if row.action == "create":
            db.session.add(LprRate(effective_date=row.data["effective_date"], lpr_1y=row.data["lpr_1y"],
                                   lpr_5y_plus=row.data["lpr_5y_plus"]))
    db.session.flush()
    audit.record("lpr_imported", admin, comment=filename[:200] or None,
                 after={**report.counts, "sha256": report.sha256, "filename": filename})
    return report

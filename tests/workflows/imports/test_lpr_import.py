"""LPR publications imported by the administrator: identical dates skipped, different ones refused."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import AuditEvent, LprRate, db
from tests.conftest import one, table_count
from tests.factories_imports import csv_bytes, xlsx_bytes
from workflows.errors import ForbiddenError
from workflows.imports import lpr
from workflows.imports.report import ImportRefusedError

HEADER = ["生效日期", "一年期LPR", "五年期以上LPR"]


def newest() -> LprRate:
    return db.session.scalars(sa.select(LprRate).order_by(LprRate.effective_date.desc())).first()


def test_a_new_publication_is_added_and_known_identical_ones_skipped(world):
    last = newest()
    rows = [[last.effective_date.isoformat(), str(last.lpr_1y), str(last.lpr_5y_plus)], ["2099-01-20", "3.00", "3.50"]]
    before = table_count(LprRate)
    report = lpr.import_lpr(world.actor("admin"), xlsx_bytes(rows, header=HEADER), "lpr.xlsx")
    assert report.counts == {"rows": 2, "rejected": 0, "unchanged": 1, "create": 1}
    assert table_count(LprRate) == before + 1
    assert one(LprRate, effective_date=date(2099, 1, 20)).lpr_5y_plus == Decimal("3.5000")
    assert one(AuditEvent, action="lpr_imported").after["create"] == 1


def test_past_values_stay(world):
    last = newest()
    rows = [[last.effective_date.isoformat(), str(last.lpr_1y + 1), str(last.lpr_5y_plus)],
            ["2000/01/20", "3.00", "3.50"], ["2099-01-20", "3.00", "3.50"], ["2099-01-20", "3.00", "3.50"],
            ["2099-02-20", "-1", "3.5"], ["someday", "3", "3"]]
    with pytest.raises(ImportRefusedError) as refused:
        lpr.import_lpr(world.actor("admin"), csv_bytes(rows, header=HEADER), "lpr.csv")
    codes = [[e.code for e in row.errors] for row in refused.value.report.rows]
    assert codes == [["lpr_differs"], ["date_before_newest"], [], ["duplicate_in_file"], ["rate_out_of_range"],
                     ["unreadable"]]
    assert newest().effective_date == last.effective_date


def test_only_the_admin_imports_lpr(world):
    with pytest.raises(ForbiddenError):
        lpr.import_lpr(world.actor("finance"), csv_bytes([["2099-01-20", "3", "3.5"]], header=HEADER), "x.csv")

"""应贷未贷 in SQL: pages by keyset, the export from chunks, and both the same households as the
definition worked out row by row in Python."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook

from models import Household, db
from tests.factories import make_household, register
from workflows import clock, exports, policy, resident_id
from workflows.reports import ReportFilters
from workflows.reports import households as report

JUNE_15 = datetime(2026, 6, 15, 4, 0, tzinfo=timezone.utc)
PERIOD = ReportFilters(date(2026, 1, 1), date(2026, 6, 15))


@pytest.fixture
def listed(world):
    with clock.frozen(JUNE_15):
        births = [date(1980, 6, 15), date(2008, 6, 15), date(2008, 6, 16), date(1961, 6, 15), date(1960, 6, 15),
                  date(1960, 6, 16), date(1992, 2, 29), date(1975, 1, 1)]
        rows = [make_household(township, born=born) for township in ("hanfeng", "dade", "zhaojia") for born in births]
        rows[0].dishonest = True
        rows[1].removed = True
        db.session.commit()
        register(world, rows[8], clerk="clerk_dade", bank="psbc")  # an open loan: borrowing
        db.session.commit()
    return rows


def by_hand(rows: list[Household], day: date) -> list[str]:
    """The masked resident IDs the definition lists, worked out in Python."""
    low, high = (int(policy.setting(key, day)) for key in ("borrower_min_age", "borrower_max_age"))
    open_ = {loan.household_id for loan in db.session.scalars(db.select(report.Loan))
             if loan.status in report.OPEN_STATUSES}
    chosen = [h for h in sorted(rows, key=lambda h: (h.township_id, h.id)) if not h.removed and not h.dishonest
              and h.id not in open_ and low <= resident_id.age_on(h.id_number, day) <= high]
    return [resident_id.mask(h.id_number) for h in chosen]


def test_pages_walk_every_eligible_household_once(world, listed):
    with clock.frozen(JUNE_15):
        expected = by_hand(listed, clock.today())
        bureau = world.users["bureau"]
        seen, cursor, pages = [], None, 0
        while True:
            result = report.eligible_not_borrowing(bureau, ReportFilters(PERIOD.date_from, PERIOD.date_to,
                                                                         cursor=cursor), limit=4)
            seen += [row[1] for row in result.rows]
            pages += 1
            assert result.summary == {"households": len(expected)}
            if not result.next_cursor:
                break
            cursor = result.next_cursor
        back = report.eligible_not_borrowing(bureau, ReportFilters(PERIOD.date_from, PERIOD.date_to,
                                                                   cursor=result.previous_cursor), limit=4)
    assert seen == expected and pages == -(-len(expected) // 4) and len(expected) > 8
    assert [row[1] for row in back.rows] == seen[-4 - len(result.rows):-len(result.rows)]


def test_the_export_reads_in_chunks_and_writes_every_row(world, listed):
    with clock.frozen(JUNE_15):
        expected = by_hand(listed, clock.today())
        rows = list(report.eligible_rows(world.users["bureau"], PERIOD, chunk=3))
        out = io.BytesIO()
        exports.write_xlsx([("应贷未贷", ["a", "b", "c", "d", "e", "f"], iter(rows))], out)
    assert [row[1] for row in rows] == expected
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    written = list(sheet.iter_rows(values_only=True))
    assert written[0] == ("a", "b", "c", "d", "e", "f") and [row[1] for row in written[1:]] == expected


def test_a_cursor_of_another_report_is_refused(world, listed):
    with pytest.raises(ValueError):
        report.eligible_not_borrowing(world.users["bureau"], ReportFilters(PERIOD.date_from, PERIOD.date_to,
                                                                           cursor="WyJkdWUiLG51bGwsMSwiZiJd"))

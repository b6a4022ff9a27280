"""The household list import: all or nothing, a row-by-row report, creates / updates / removals."""
from __future__ import annotations

import hashlib

import pytest

from models import AuditEvent, Household, db
from tests.conftest import count, one, table_count
from tests.factories import make_household
from tests.factories_imports import (EN_HEADER, csv_bytes, five_bad_rows, fixed_rows, household_row, new_id,
                                     xlsx_bytes)
from workflows.errors import ForbiddenError
from workflows.imports import households
from workflows.imports.report import ImportRefusedError


def errors_by_row(report) -> dict[int, list[tuple[str, str]]]:
    return {row.number: [(e.field, e.code) for e in row.errors] for row in report.rejected}


def test_five_kinds_of_bad_rows_are_refused_whole_with_a_report(world):
    data = xlsx_bytes(five_bad_rows())
    with pytest.raises(ImportRefusedError) as refused:
        households.import_households(world.actor("bureau"), data, "list.xlsx")
    assert errors_by_row(refused.value.report) == {
        3: [("id_number", "invalid_id_number")],
        4: [("township", "unknown_township")],
        5: [("id_number", "duplicate_in_file")],
        6: [("category", "unknown_category")],
        7: [("name", "required")],
    }
    assert refused.value.report.rejected[2].errors[0].detail == "2"  # the first row with that ID
    assert table_count(Household) == 0 and count(AuditEvent, action="households_imported") == 0


def test_the_fixed_file_creates_updates_and_marks_removed(world):
    existing = make_household("hanfeng")
    kept = make_household("dade")
    rows = fixed_rows() + [
        household_row(0, id_number=existing.id_number, name="改名户", removed="是", removed_reason="因个人主观恶意调整出列"),
        [kept.id_number, kept.name, "dade", "", "poverty_lifted", "否", ""],
    ]
    data = csv_bytes(rows)
    report = households.import_households(world.actor("bureau"), data, "list.csv")
    assert report.counts == {"rows": 7, "rejected": 0, "create": 5, "remove": 1, "unchanged": 1}
    db.session.expire_all()
    assert (existing.removed, existing.removed_reason, existing.name) == (True, "因个人主观恶意调整出列", "改名户")
    created = one(Household, id_number=new_id(503))
    assert created.township.code == "zhaojia" and created.village.name == "赵家村"
    assert one(Household, id_number=new_id(504)).category == "marginal"
    event = one(AuditEvent, action="households_imported")
    assert event.actor_role == "rural_bureau"
    assert event.after["sha256"] == hashlib.sha256(data).hexdigest() and event.after["create"] == 5


def test_an_update_without_removal_and_a_relisting(world):
    removed = make_household("hanfeng", removed=True, removed_reason="旧原因")
    rows = [[removed.id_number, "新名", "汉丰街道", "滨湖社区", "边缘易致贫户", "否", ""]]
    report = households.import_households(world.actor("bureau"), csv_bytes(rows), "x.csv")
    assert report.counts["update"] == 1
    db.session.expire_all()
    assert (removed.removed, removed.removed_reason, removed.category) == (False, None, "marginal")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_bom_and_gbk(world, encoding):
    data = csv_bytes(fixed_rows(), encoding=encoding)
    report = households.import_households(world.actor("bureau"), data, "名单.csv")
    assert report.counts["create"] == 5 and one(Household, id_number=new_id(505)).name == "户主505"


def test_english_headers_and_codes(world):
    rows = [household_row(601, category="poverty_lifted", removed="yes", removed_reason="moved away")]
    report = households.check(csv_bytes(rows, header=EN_HEADER), "list.csv")
    assert report.ok and report.rows[0].data["removed"] is True


@pytest.mark.parametrize("overrides, error", [
    ({"village": "大德村"}, ("village", "unknown_village")),
    ({"removed": "也许"}, ("removed", "bad_removed_flag")),
    ({"removed": "是"}, ("removed_reason", "removed_reason_required")),
    ({"name": "名" * 65}, ("name", "too_long")),
    ({"id_number": ""}, ("id_number", "required")),
])
def test_other_row_errors(world, overrides, error):
    report = households.check(csv_bytes([household_row(701, **overrides)]), "x.csv")
    assert [(e.field, e.code) for e in report.rows[0].errors] == [error]


def test_the_check_writes_nothing_and_a_header_error_stops_it(world):
    assert households.check(csv_bytes(fixed_rows()), "x.csv").ok and table_count(Household) == 0
    report = households.check(csv_bytes([["1", "2"]], header=["身份证号", "户主姓名"]), "x.csv")
    assert {code for code, _ in report.header_errors} == {"missing_column"} and not report.ok


@pytest.mark.parametrize("username", ["clerk_hanfeng", "officer_rcb", "admin", "supervisor"])
def test_only_the_bureau_imports(world, username):
    with pytest.raises(ForbiddenError):
        households.import_households(world.actor(username), csv_bytes(fixed_rows()), "x.csv")

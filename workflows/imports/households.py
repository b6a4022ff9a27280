"""Import the household list (脱贫户 / 边缘易致贫户 名单) uploaded by the rural-revitalisation bureau.

``check(data, filename)`` reads and validates every row without writing: resident ID checksum,
township known by code or name, village known within the township (or empty), category, removed
flag (a removed household needs a reason), duplicate IDs within the file; each valid row gets its
action (create / update / remove / unchanged) against the list. ``import_households`` writes all
or nothing, set-based (one bulk lookup of existing IDs, bulk inserts and updates in batches), and
records one ``households_imported`` audit event with the counts and the file's SHA-256.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import Household, Township, Village, db

from .. import audit, clock, resident_id
from ..audit import Actor
from ..unit_of_work import unit_of_work
from .reading import Column, read_table
from .report import ImportRefusedError, ImportReport, RowResult, acting_as

COLUMNS = (
    Column("id_number", ("身份证号", "身份证号码", "户主身份证号", "id number")),
    Column("name", ("户主姓名", "姓名", "户主")),
    Column("township", ("镇乡街道", "镇街", "乡镇")),
    Column("village", ("村社区", "村", "村居"), required=False),
    Column("category", ("类别", "户类别")),
    Column("removed", ("是否出列", "出列")),
    Column("removed_reason", ("出列原因",), required=False),
)
CATEGORY_VALUES = {"脱贫户": "poverty_lifted", "脱贫人口": "poverty_lifted", "poverty_lifted": "poverty_lifted",
                   "边缘易致贫户": "marginal", "边缘户": "marginal", "marginal": "marginal"}
FLAG_VALUES = {"是": True, "yes": True, "y": True, "true": True, "1": True,
               "否": False, "no": False, "n": False, "false": False, "0": False, "": False}
MAX_NAME, MAX_REASON = 64, 200
COMPARED = ("name", "township_id", "village_id", "category", "removed", "removed_reason")
LOOKUP_CHUNK, WRITE_BATCH = 5000, 2000


def check(data: bytes, filename: str) -> ImportReport:
    """Every row validated and planned; nothing is written."""
    report = ImportReport.for_file("households", data, filename, COLUMNS)
    table = read_table(data, filename, COLUMNS)
    report.header_errors = table.header_errors
    if report.header_errors:
        return report
    places, first_row = _places(), {}
    for number, values in table.rows:
        row = RowResult(number, values)
        report.rows.append(row)
        _check_row(row, places, first_row)
    _plan(report.rows)
    return report


def _places() -> dict[str, tuple[int, dict[str, int]]]:
    """Township code and name → (id, village code and name → id)."""
    villages: dict[int, dict[str, int]] = {}
    for village in db.session.execute(sa.select(Village.id, Village.township_id, Village.code, Village.name)):
        villages.setdefault(village.township_id, {}).update({village.code: village.id, village.name: village.id})
    places = {}
    for township in db.session.execute(sa.select(Township.id, Township.code, Township.name)):
        entry = (township.id, villages.get(township.id, {}))
        places.setdefault(township.name, entry)
        places[township.code] = entry
    return places


def _check_row(row: RowResult, places: dict, first_row: dict[str, int]) -> None:
    values, data = row.values, row.data
    try:
        data["id_number"] = resident_id.normalise(values.get("id_number", ""))
    except resident_id.InvalidResidentIdError:
        row.fail("id_number", "required" if not values.get("id_number") else "invalid_id_number")
    else:
        if data["id_number"] in first_row:
            row.fail("id_number", "duplicate_in_file", str(first_row[data["id_number"]]))
        first_row.setdefault(data["id_number"], row.number)
    data["name"] = values.get("name", "")
    if not data["name"] or len(data["name"]) > MAX_NAME:
        row.fail("name", "required" if not data["name"] else "too_long")
    _check_place(row, places)
    data["category"] = CATEGORY_VALUES.get(values.get("category", "").lower())
    if data["category"] is None:
        row.fail("category", "unknown_category")
    _check_removed(row)


def _check_place(row: RowResult, places: dict) -> None:
    township = places.get(row.values.get("township", ""))
    if township is None:
        row.fail("township", "unknown_township")
        return
    row.data["township_id"], villages = township
    village = row.values.get("village", "")
    row.data["village_id"] = villages.get(village) if village else None
    if village and row.data["village_id"] is None:
        row.fail("village", "unknown_village")


def _check_removed(row: RowResult) -> None:
    removed = FLAG_VALUES.get(row.values.get("removed", "").lower())
    reason = row.values.get("removed_reason", "")
    if removed is None:
        row.fail("removed", "bad_removed_flag")
    elif removed and not reason:
        row.fail("removed_reason", "removed_reason_required")
    elif len(reason) > MAX_REASON:
        row.fail("removed_reason", "too_long")
    row.data["removed"], row.data["removed_reason"] = bool(removed), (reason or None) if removed else None


def _plan(rows: list[RowResult]) -> None:
    """Each valid row's action against the list, with one lookup per chunk of IDs."""
    valid = [row for row in rows if not row.errors]
    existing = _existing([row.data["id_number"] for row in valid])
    for row in valid:
        before = existing.get(row.data["id_number"])
        if before is None:
            row.action = "create"
            continue
        row.data["id"] = before["id"]
        if row.data["removed"] and not before["removed"]:
            row.action = "remove"
        elif any(before[key] != row.data[key] for key in COMPARED):
            row.action = "update"
        else:
            row.action = "unchanged"


def _existing(id_numbers: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    columns = [Household.id, Household.id_number, *(getattr(Household, key) for key in COMPARED)]
    for start in range(0, len(id_numbers), LOOKUP_CHUNK):
        chunk = id_numbers[start:start + LOOKUP_CHUNK]
        for row in db.session.execute(sa.select(*columns).where(Household.id_number.in_(chunk))):
            found[row.id_number] = row._asdict()
    return found


@unit_of_work
def import_households(actor: Actor, data: bytes, filename: str) -> ImportReport:
    """All or nothing: ``ImportRefusedError`` (with the report) when any row or the header is wrong."""
    bureau = acting_as(actor, "rural_bureau")
    report = check(data, filename)
    if not report.ok:
        raise ImportRefusedError(report)
    _write(report.rows)
    audit.record("households_imported", bureau, comment=filename[:200] or None,
                 after={**report.counts, "sha256": report.sha256, "filename": filename})
    return report


def _write(rows: list[RowResult]) -> None:
    now = clock.now()
    fields = ("id_number", "name", "township_id", "village_id", "category", "removed", "removed_reason")
    inserts = [{**{k: row.data[k] for k in fields}, "dishonest": False, "created_at": now, "updated_at": now}
               for row in rows if row.action == "create"]
    updates = [{"id": row.data["id"], **{k: row.data[k] for k in COMPARED}, "updated_at": now}
               for row in rows if row.action in ("update", "remove")]
    for start in range(0, len(inserts), WRITE_BATCH):
        db.session.execute(sa.insert(Household), inserts[start:start + WRITE_BATCH])
    for start in range(0, len(updates), WRITE_BATCH):
        db.session.execute(sa.update(Household), updates[start:start + WRITE_BATCH])

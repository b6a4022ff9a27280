"""Keyset paging (游标分页) and capped counts for the long lists: the inbox, the loans, the reports.

A page is found from where the previous one ended, not by skipping rows: the query asks for the rows
after the last row's sort key and id (``WHERE (key, id) > (:key, :id) ORDER BY key, id LIMIT n``),
which an index on (…, key, id) answers by reading about one page of rows however deep the page is.
The position travels as an opaque cursor (base64 of a small JSON list: the sort name, the key, the id
and the direction); a cursor of another sort, or one that does not decode, is refused (``ValueError``).

A missing key (a task without a due date, a loan without a maturity date) sorts after every value
ascending and before every value descending, as PostgreSQL's indexes keep them. The rows with a
key and those without are read as two runs, each in its index order, so the key comparison never
meets a NULL.

Counts stop early: ``capped_count`` counts at most ``CAP + 1`` rows (``SELECT count(*) FROM (… LIMIT
1001)``), so a list of a million rows costs no more to count than one of a thousand; above ``CAP``
the page says "1,000+".
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from models import db

from .errors import FormInvalidError

CAP = 1000
MAX_CURSOR = 512  # characters: a cursor is a few dozen


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or, ``backward``, before) the row of ``key`` and ``id``."""

    sort: str
    key: object
    id: int
    backward: bool = False


@dataclass(frozen=True)
class Key:
    """A list's order: the sort ``column`` (``nullable`` if rows may lack it), then ``id_column`` as
    the tie-breaker in the same direction. ``parse`` turns a cursor's text back into a key value;
    ``order`` is what ORDER BY uses if not ``column`` itself (an expression of it in the same order)."""

    sort: str
    column: sa.ColumnElement
    id_column: sa.ColumnElement
    descending: bool = False
    nullable: bool = False
    parse: Callable[[str], object] = str
    order: sa.ColumnElement | None = None


@dataclass
class KeysetPage:
    """One page: its rows in display order, the cursors of the pages before and after (None at
    either end), and the capped count of the whole list."""

    items: list = field(default_factory=list)
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total: int = 0
    total_capped: bool = False

    @property
    def total_text(self) -> str:
        """"1,000+" above the cap, else the count with thousands separators."""
        return f"{self.total:,}+" if self.total_capped else f"{self.total:,}"


def parse_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text)


def parse_date(text: str) -> date:
    return date.fromisoformat(text)


def parse_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite():
        raise ValueError(text)
    return value


def _text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def encode(cursor: Cursor) -> str:
    raw = json.dumps([cursor.sort, _text(cursor.key), cursor.id, "b" if cursor.backward else "f"],
                     ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(text: str, key: Key) -> Cursor:
    """The cursor ``text`` names for the order ``key``; ``ValueError`` if it is not one."""
    if not text or len(text) > MAX_CURSOR:
        raise ValueError("not a cursor")
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("not a cursor") from exc
    if not (isinstance(raw, list) and len(raw) == 4 and raw[0] == key.sort and raw[3] in ("f", "b")
            and (raw[1] is None or isinstance(raw[1], str)) and isinstance(raw[2], int)
            and not isinstance(raw[2], bool) and 0 < raw[2] < 2**63):
        raise ValueError("not a cursor of this order")
    if raw[1] is None and not key.nullable:
        raise ValueError("not a cursor of this order")
    return Cursor(raw[0], None if raw[1] is None else key.parse(raw[1]), raw[2], raw[3] == "b")


def read_cursor(text: str | None, key: Key) -> Cursor | None:
    """The cursor a page's ``?cursor=`` names for ``key`` (None without one); a bad one is refused as a
    bad field (``FormInvalidError``: 422), as the loan list refuses it."""
    if not text:
        return None
    try:
        return decode(text, key)
    except ValueError as exc:
        raise FormInvalidError({"cursor": ["not a cursor of this list and order"]}) from exc


def capped_count(query: sa.Select, cap: int = CAP, ordered: bool = False) -> tuple[int, bool]:
    """(count, capped): at most ``cap`` + 1 rows of ``query`` are counted; above ``cap`` it answers (cap, True).
    ``ordered``: keep the query's ORDER BY, when walking its index and stopping after ``cap`` + 1 rows is
    cheaper than what the planner picks without it (the inbox: a bitmap of every task of a role)."""
    limited = (query if ordered else query.order_by(None)).limit(cap + 1).subquery()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(limited)) or 0
    return (cap, True) if count > cap else (count, False)


def _runs(key: Key, descending: bool) -> list[tuple[sa.ColumnElement | None, bool]]:
    """The runs a list is read in, in order: (condition, has_key). A nullable key's rows without it
    come last ascending and first descending."""
    if not key.nullable:
        return [(None, True)]
    with_key, without = (key.column.is_not(None), True), (key.column.is_(None), False)
    return [without, with_key] if descending else [with_key, without]


def _order(key: Key, has_key: bool, descending: bool) -> list:
    columns = [key.order if key.order is not None else key.column] if has_key else []
    return [c.desc() if descending else c.asc() for c in (*columns, key.id_column)]


def _after(key: Key, cursor: Cursor, has_key: bool, descending: bool):
    """Rows after the cursor inside the cursor's own run."""
    if not has_key:
        return key.id_column < cursor.id if descending else key.id_column > cursor.id
    pair, at = sa.tuple_(key.column, key.id_column), sa.tuple_(sa.literal(cursor.key, key.column.type),
                                                               sa.literal(cursor.id, key.id_column.type))
    return pair < at if descending else pair > at


def order_by(key: Key) -> list:
    """The whole order of ``key`` as one ORDER BY (the runs of ``fetch`` in a row), for paging by number."""
    column = key.order if key.order is not None else key.column
    first = column.desc().nulls_first() if key.descending else column.asc().nulls_last()
    return [first, key.id_column.desc() if key.descending else key.id_column.asc()]


def fetch(query: sa.Select, key: Key, cursor: Cursor | None, limit: int, *,
          execute: Callable[[sa.Select], list] | None = None, offset: int = 0) -> tuple[list, bool]:
    """(rows, more): up to ``limit`` rows of ``query`` after ``cursor`` in ``key``'s order (before it,
    nearest first, for a backward cursor), and whether more follow in that direction. ``query`` must
    not be ordered or limited; ``execute`` runs a statement (default: rows of the session). ``offset``
    (without a cursor): the old clients' paging by number, in the same order (it reads the rows it skips)."""
    run = execute or (lambda statement: db.session.execute(statement).all())
    if cursor is None and offset:
        rows = run(query.order_by(*order_by(key)).offset(offset).limit(limit + 1))
        return rows[:limit], len(rows) > limit
    backward = bool(cursor and cursor.backward)
    descending = key.descending != backward
    runs = _runs(key, descending)
    start = 0
    if cursor is not None:
        start = next(i for i, (_c, has_key) in enumerate(runs) if has_key == (cursor.key is not None))
    rows: list = []
    for index in range(start, len(runs)):
        condition, has_key = runs[index]
        statement = query if condition is None else query.where(condition)
        if cursor is not None and index == start:
            statement = statement.where(_after(key, cursor, has_key, descending))
        rows += run(statement.order_by(*_order(key, has_key, descending)).limit(limit + 1 - len(rows)))
        if len(rows) > limit:
            break
    return rows[:limit], len(rows) > limit


def page(query: sa.Select, key: Key, cursor: Cursor | None, limit: int, *, value_of: Callable,
         id_of: Callable, execute: Callable | None = None, count: bool = True, items: Callable | None = None,
         offset: int = 0) -> KeysetPage:
    """One ``KeysetPage`` of ``query``: ``value_of(row)`` and ``id_of(row)`` read a row's key and id for
    the cursors; ``items`` maps the rows to what the page holds (default: the rows)."""
    rows, more = fetch(query, key, cursor, limit, execute=execute, offset=offset)
    backward = bool(cursor and cursor.backward)
    if backward:
        rows.reverse()
    has_next = more if not backward else cursor is not None
    has_previous = more if backward else cursor is not None or offset > 0
    result = KeysetPage(items(rows) if items else rows)
    if rows and has_next:
        result.next_cursor = encode(Cursor(key.sort, value_of(rows[-1]), id_of(rows[-1])))
    if rows and has_previous:
        result.previous_cursor = encode(Cursor(key.sort, value_of(rows[0]), id_of(rows[0]), backward=True))
    if count:
        result.total, result.total_capped = capped_count(query)
    return result

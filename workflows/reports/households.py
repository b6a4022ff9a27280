"""Household loan rate (户贷率) and eligible households that do not borrow (应贷未贷), per township.

* **Listed households**: households on the list today (not removed) in the township.
* **Borrowing households**: listed households with a scoped loan outstanding at the end date (see
  ``portfolio``); bank staff count their bank's borrowers against the whole list, which the
  rural-revitalisation bureau gives every bank.
* **Household loan rate** = borrowing / listed households, in percent.
* **Eligible but not borrowing**: listed, not removed, not on the dishonest-debtor list, head aged
  18 to 65 today (the policy's ``age_out_of_range`` bounds: dated settings ``borrower_min_age`` and
  ``borrower_max_age``, the same numbers as the DMN table ``loan_policy``), and no open loan (submitted to recovering) at any bank. Resident IDs are masked.

  One SQL query (``eligible_query``): the open loans an anti-join (NOT EXISTS), the age a range of
  the birth date the resident ID holds (characters 7–14, ``YYYYMMDD``), so a district of 30,000
  households is never read into Python. The page shows ``PAGE_SIZE`` rows at a time (keyset, in
  township and household order); the export streams one query's rows in chunks of ``CHUNK`` and writes
  them as they come (``eligible_rows``), so its memory stays flat. The count per township (the chart
  and the total) still reads every eligible household: about 0.1 s for 30,000 on PostgreSQL.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa

from models import OPEN_STATUSES, Household, Loan, Township, User, Village, db

from .. import clock, keyset, policy, resident_id
from .base import Column, ReportFilters, ReportResult, percent, require_reader, total_row, townships
from .portfolio import borrowing_households

RATE_COLUMNS = [Column("name", "text"), Column("listed_households"), Column("borrowing_households"),
                Column("household_loan_rate", "percent")]
ELIGIBLE_COLUMNS = [Column("household", "text"), Column("id_number", "text"), Column("township", "text"),
                    Column("village", "text"), Column("category", "text"), Column("age")]


def _listed(township_ids: list[int]) -> sa.Select:
    return sa.select(Household).where(Household.removed.is_(False), Household.township_id.in_(township_ids))


def household_rate(user: User, filters: ReportFilters) -> ReportResult:
    require_reader(user)
    places = townships(user, filters)
    listed = dict(db.session.execute(
        sa.select(Household.township_id, sa.func.count()).where(
            Household.removed.is_(False), Household.township_id.in_([t.id for t in places]))
        .group_by(Household.township_id)).all())
    borrowing = borrowing_households(user, filters)  # counted in SQL: no loan is read into Python
    rows = [[t.name, listed.get(t.id, 0), borrowing.get(t.id, 0), percent(borrowing.get(t.id, 0), listed.get(t.id, 0))]
            for t in places]
    totals = total_row(rows, RATE_COLUMNS)
    totals[3] = percent(totals[2], totals[1])
    chart = {"labels": [row[0] for row in rows], "series": {"household_loan_rate": [row[3] for row in rows]}}
    return ReportResult(list(RATE_COLUMNS), rows, totals, chart, {"household_loan_rate": totals[3]})


PAGE_SIZE = 50
CHUNK = 1000
ORDER = keyset.Key("township", Household.township_id, Household.id, parse=int)  # ix_households_township_order


def _birthday_bounds(day: date, low: int, high: int) -> tuple[str, str]:
    """(earliest, latest) birth dates as ``YYYYMMDD`` of a head aged ``low`` to ``high`` on ``day``
    (the birthday itself counts, as ``resident_id.age_on``; a 29 February birthday falls on 1 March)."""
    def years_before(years: int) -> date:
        try:
            return day.replace(year=day.year - years)
        except ValueError:  # 29 February in a common year
            return date(day.year - years, 2, 28)
    latest = years_before(low)
    earliest = date.fromordinal(years_before(high + 1).toordinal() + 1)
    return f"{earliest:%Y%m%d}", f"{latest:%Y%m%d}"


def eligible_query(user: User, filters: ReportFilters) -> tuple[sa.Select, list]:
    """(rows of name, id_number, township, village, category, township_id, id; the townships listed)."""
    places, today = townships(user, filters), clock.today()
    low, high = (int(policy.setting(key, today)) for key in ("borrower_min_age", "borrower_max_age"))
    earliest, latest = _birthday_bounds(today, low, high)
    born = sa.func.substr(Household.id_number, 7, 8)
    open_loan = sa.exists().where(Loan.household_id == Household.id, Loan.status.in_(OPEN_STATUSES))
    # the names as subqueries of the page's rows: households alone are read in index order and cut at the page
    township = sa.select(Township.name).where(Township.id == Household.township_id).scalar_subquery()
    village = sa.select(Village.name).where(Village.id == Household.village_id).scalar_subquery()
    query = (sa.select(Household.name, Household.id_number, township.label("township"), village.label("village"),
                       Household.category, Household.township_id, Household.id)
             .where(Household.removed.is_(False), _in_townships(places),
                    Household.dishonest.is_(False), sa.func.length(Household.id_number) == 18,
                    born >= earliest, born <= latest, ~open_loan))
    return query, places


def _in_townships(places: list) -> sa.ColumnElement[bool]:
    """One township as ``=``, every township as no condition, else ``IN``: an ``IN`` list on the
    index's first column keeps PostgreSQL from reading ``ix_households_township_order`` in order."""
    if len(places) == 1:
        return Household.township_id == places[0].id
    if len(places) == db.session.scalar(sa.select(sa.func.count()).select_from(Township)):
        return sa.true()
    return Household.township_id.in_([t.id for t in places])


def _age(id_number: str, today: date) -> int | None:
    """``resident_id.age_on`` from the birth date digits the query already checked (stdnum's full
    validation is most of an export's time); None for digits that are no date."""
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _row(row, today: date) -> list:
    return [row.name, resident_id.mask(row.id_number), row.township, row.village, row.category,
            _age(row.id_number, today)]


def eligible_not_borrowing(user: User, filters: ReportFilters, limit: int = PAGE_SIZE) -> ReportResult:
    """One page of the eligible households (from ``filters.cursor``), the count per township (chart)
    and in all (summary), all in SQL. ``ValueError`` for a cursor that is not one of this report."""
    require_reader(user)
    query, places = eligible_query(user, filters)
    today = clock.today()
    cursor = keyset.decode(filters.cursor, ORDER) if filters.cursor else None
    page = keyset.page(query, ORDER, cursor, limit, value_of=lambda row: row.township_id, id_of=lambda row: row.id,
                       count=False, items=lambda rows: [_row(row, today) for row in rows])
    counted = query.with_only_columns(Household.township_id, sa.func.count()).group_by(Household.township_id)
    per_township = Counter(dict(db.session.execute(counted.order_by(None)).all()))
    chart = {"labels": [t.name for t in places], "series": {"households": [per_township[t.id] for t in places]}}
    totals = ["total", None, None, None, None, None]
    return ReportResult(list(ELIGIBLE_COLUMNS), page.items, totals, chart,
                        {"households": sum(per_township.values())}, page.next_cursor, page.previous_cursor)


def eligible_rows(user: User, filters: ReportFilters, chunk: int = CHUNK) -> Iterator[list]:
    """Every eligible household's row for the export: one query whose rows are fetched ``chunk`` at a
    time (a server-side cursor on PostgreSQL), so neither the database nor Python holds them all."""
    require_reader(user)
    query, _places = eligible_query(user, filters)
    today = clock.today()
    result = db.session.execute(query.order_by(*keyset.order_by(ORDER)).execution_options(yield_per=chunk))
    for rows in result.partitions():
        yield from (_row(row, today) for row in rows)

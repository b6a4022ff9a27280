"""The inbox (待办): ready user tasks of every process a user may take, as one indexed query.

Each row's scope is its lane's role: a township clerk sees the township's tasks, bank staff their
bank's, district roles (rural bureau, finance bureau, supervisor) every task of their role. A task
that four eyes keeps from the user (``task_exclusions``) is not offered. Views:

- ``available``: unclaimed tasks of the user's roles and scope, and those they claimed;
- ``mine``: the tasks they claimed;
- ``team``: colleagues' claimed tasks in the user's roles and scope (read-only; a supervisor or an
  administrator, who may hand any task over, sees every claimed task but their own);
- ``all``: supervisors read every ready task, claimed or not.

A user standing in for an absent colleague (代理, ``delegations``) also finds in ``available`` the tasks
that colleague claimed (``stand_in_names`` marks them); once the stand-in claims one it is in ``mine``.
The condition of each view is ``inbox_scope``'s; this module reads the tasks through it.

Tasks without a loan (a subsidy settlement, a fund top-up, its 督办) are listed like the others,
with their process key and, for a subsidy settlement, its year and quarter. No workflow state is
deserialized to list tasks.
"""
from __future__ import annotations

import functools
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import (IS_READY, ROLES, Bank, Household, HumanTask, Loan, ProcessInstance, ProcessVersion, Township,
                    User, db)
from models.subsidy import SubsidySettlement

from .. import clock, keyset, loan_queries
from ..permissions import BANK_ROLES, TOWNSHIP_ROLES
from . import delegations
from .access import OVERSEERS, may_read
from .inbox_scope import has_scope, page_scope, scope_condition
from .inbox_scope import VIEWS, may_view_all, stand_in_names  # noqa: F401  (the pages read them through the inbox)

SORTS = ("due", "received", "township", "amount")  # each also descending, as "-due"
DUE_SOON = timedelta(hours=24)  # 即将到期: due within a day
FEW = 200  # a view this small is sorted after an index lookup, not read in due order (see inbox_query)


def inbox_query(user: User, *, view: str = "available", task_name: str | None = None,
                township_id: int | None = None, overdue_only: bool = False, q: str | None = None,
                sort: str = "due", limit: int | None = None, offset: int = 0,
                view_size: int | None = None) -> sa.Select:
    """Rows of (HumanTask, Loan?, Household?, township_name?, bank_name?, assignee_name?, process_key?,
    subsidy_year?, subsidy_quarter?) in the order ``sort`` names (due first by default).

    A task without a loan has no Loan and Household but its process key, and a subsidy settlement's
    its year and quarter; a loan's task has no process key (it shows its loan). Those three are
    looked up for the rows without a loan only, so counting the rows costs no more than before.
    With ``limit``, one page. In due order ``ix_human_tasks_due`` yields the page's rows first and
    the database stops there; in any other order the page's task ids are chosen and sorted first and
    only they are joined to the rest (still one statement): the sort moves ids, not whole rows.
    ``view_size``: how many tasks the caller counted in ``view``. Up to ``FEW`` are found through
    ``ix_human_tasks_inbox`` (role, bank, township) and sorted, instead of walking the due index
    past every other ready task of the district (a finance bureau's few tasks among 10,000 loans)."""
    order = order_by(sort, walk_due_index=view_size is None or view_size > FEW)
    by_township = normalized_sort(sort).lstrip("-") == "township"
    if limit is None or normalized_sort(sort) == "due":
        query = (_matching(_joined(_row_columns(), by_township), user, view, task_name, township_id, overdue_only, q)
                 .order_by(*order))
        return query if limit is None else query.limit(limit).offset(offset)
    page = (_matching(_joined([HumanTask.id], by_township), user, view, task_name, township_id, overdue_only, q)
            .order_by(*order).limit(limit).offset(offset).subquery("page"))
    return _joined(_row_columns(), by_township).join(page, page.c.id == HumanTask.id).order_by(*order)


def sort_key(sort: str | None, walk_due_index: bool = True) -> keyset.Key:
    """The keyset order of ``sort``: its column (a task without a due date, loan or township sorts
    after the others ascending), then the task id. ``due`` and ``received`` follow
    ``ix_human_tasks_role_due`` / ``ix_human_tasks_role_received``; ``township`` and ``amount`` sort the
    matching tasks (a column of another table)."""
    sort = normalized_sort(sort)
    name = sort.lstrip("-")
    column, nullable, parse = {"due": (HumanTask.due_at, True, keyset.parse_datetime),
                               "received": (HumanTask.created_at, False, keyset.parse_datetime),
                               "township": (Township.code, True, str),
                               "amount": (Loan.amount, True, keyset.parse_decimal)}[name]
    order = sa.func.coalesce(HumanTask.due_at, sa.null()) if name == "due" and not walk_due_index else None
    return keyset.Key(sort, column, HumanTask.id, sort.startswith("-"), nullable, parse, order)


def inbox_page(user: User, *, view: str = "available", task_name: str | None = None,
               township_id: int | None = None, overdue_only: bool = False, q: str | None = None,
               sort: str = "due", cursor: str | None = None, limit: int = 25, view_size: int | None = None,
               count: bool = True, offset: int = 0, stand_ins: tuple[delegations.StandIn, ...] | None = None,
               brief: bool = False) -> keyset.KeysetPage:
    """One page of the inbox from ``cursor`` (the first without one): rows as ``inbox_query`` yields
    them, the cursors of the next and previous pages and the count capped at ``keyset.CAP``.

    The page reads about ``limit`` rows from an index whatever its depth (see ``workflows.keyset``).
    ``ValueError`` for a cursor that is not one of this order. ``view_size`` as for ``inbox_query``;
    ``offset`` (no cursor): the API's old paging by number, in the same order. ``brief``: the rows'
    ``HumanTask``, ``Loan`` and ``Household`` hold only what a list shows (``BRIEF``), not whole objects
    (the inbox page: building 75 objects cost more than its SQL)."""
    key = sort_key(sort, walk_due_index=view_size is None or view_size > FEW)
    position = keyset.decode(cursor, key) if cursor else None
    scope = page_scope(user, view, stand_ins)
    query = _matching(_listed(brief, key.sort.lstrip("-")), user, view, task_name, township_id, overdue_only, q,
                      scope=scope)
    result = keyset.page(query, key, position, limit, value_of=lambda row: row.sort_key,
                         id_of=lambda row: row.HumanTask.id, count=False, offset=offset)
    if count:
        counted = (_matching(sa.select(HumanTask.id), user, view, task_name, township_id, overdue_only, q, scope=scope)
                   .order_by(*order_by("due")))  # the first CAP + 1 through the due index (see counts_by_task)
        result.total, result.total_capped = keyset.capped_count(counted, ordered=True)
    return result


@functools.lru_cache(maxsize=16)
def _listed(brief: bool, sort: str) -> sa.Select:
    """A page's rows with their sort key (the column of ``sort``), before any condition: built once
    per shape, not on every page (SQL expressions are immutable; ``_matching`` adds to a copy)."""
    return _joined([*_row_columns(brief), sort_key(sort).column.label("sort_key")], by_township=sort == "township")


class _Brief(so.Bundle):
    """Some columns of an entity, read as one row (``row.Loan.amount``), or None when the outer join
    found none (its first column, the id, is NULL), as the entity would be."""

    def create_row_processor(self, query, procs, labels):
        make = super().create_row_processor(query, procs, labels)

        def proc(row):
            made = make(row)
            return None if made[0] is None else made
        return proc


BRIEF = {HumanTask: ("id", "name", "title", "role", "township_id", "bank_id", "assignee_id", "due_at", "created_at",
                     "loan_id"),
         Loan: ("id", "amount"), Household: ("id", "name")}  # what a list of tasks reads of each


def _row_columns(brief: bool = False) -> list:
    entities = ([_Brief(model.__name__, *(getattr(model, name) for name in names)) for model, names in BRIEF.items()]
                if brief else [HumanTask, Loan, Household])
    return [*entities, _name(Township.name, Township.id == HumanTask.township_id).label("township_name"),
            _name(Bank.name, Bank.id == HumanTask.bank_id).label("bank_name"),
            _name(User.display_name, User.id == HumanTask.assignee_id).label("assignee_name"), *_process_columns()]


def _name(column, condition) -> sa.ScalarSelect:
    """A township's, bank's or assignee's name for each row, as a subquery on its primary key: joined,
    the three small tables made PostgreSQL spend 5 ms planning each inbox page at a province's size
    (searching the join orders of seven tables), more than the page took to read."""
    return sa.select(column).where(condition).correlate(HumanTask).scalar_subquery()


def _joined(columns: list, by_township: bool = False) -> sa.Select:
    """``columns`` of tasks with their loan and household (outer joins: the database leaves out those
    a query does not use), and their township when the rows are sorted by it (``Township.code``)."""
    query = (sa.select(*columns)
             .outerjoin(Loan, Loan.id == HumanTask.loan_id)
             .outerjoin(Household, Household.id == Loan.household_id))
    return query.outerjoin(Township, Township.id == HumanTask.township_id) if by_township else query


def _matching(query: sa.Select, user: User, view: str, task_name: str | None, township_id: int | None,
              overdue_only: bool, q: str | None, *, scope=None) -> sa.Select:
    """``query`` narrowed to the ready tasks of ``view`` that pass the filters and the search
    (``scope``: the view's condition if already worked out, see ``inbox_scope.page_scope``)."""
    query = query.where(IS_READY,
                        scope_condition(user, view) if scope is None else scope)
    if task_name:
        query = query.where(HumanTask.name == task_name)
    if township_id:
        query = query.where(HumanTask.township_id == township_id)
    if overdue_only:
        query = query.where(HumanTask.due_at < clock.now())
    condition = search_condition(q)
    return query if condition is None else query.where(condition)


def _process_columns() -> list:
    """process_key, subsidy_year and subsidy_quarter of a task without a loan (NULL for a loan's task)."""
    without_loan = HumanTask.loan_id.is_(None)
    key = (sa.select(ProcessVersion.process_key).join(ProcessInstance)
           .where(ProcessInstance.id == HumanTask.process_instance_id).scalar_subquery())
    year, quarter = (sa.select(column).where(SubsidySettlement.process_instance_id == HumanTask.process_instance_id)
                     .scalar_subquery() for column in (SubsidySettlement.year, SubsidySettlement.quarter))
    return [sa.case((without_loan, key)).label("process_key"), sa.case((without_loan, year)).label("subsidy_year"),
            sa.case((without_loan, quarter)).label("subsidy_quarter")]


def search_condition(q: str | None):
    """检索: the tasks of the loans ``loan_queries.matching_loan_ids`` finds (a household name from its
    start, the last four characters of a resident ID or all 18, a contract number from its start, a
    loan number), the loan list's search, looked up by loan (``loan_queries.found_by``); None when
    ``q`` is blank. Tasks without a loan never match."""
    text = (q or "").strip()
    return loan_queries.found_by(HumanTask.loan_id, text) if text else None


def normalized_sort(sort: str | None) -> str:
    """``sort`` if it names a known order (``due``, ``-amount``…), else ``due``."""
    return sort if sort and sort.lstrip("-") in SORTS and sort.count("-") <= 1 else "due"


def order_by(sort: str | None, walk_due_index: bool = True) -> tuple:
    """The ORDER BY of ``sort``; ties go by id in the same direction. ``due`` walks ``ix_human_tasks_due``
    unless ``walk_due_index`` is false: ordering by an expression of the due date (the same order)
    keeps SQLite from choosing that walk."""
    sort = normalized_sort(sort)
    due = HumanTask.due_at if walk_due_index else sa.func.coalesce(HumanTask.due_at, sa.null())
    column = {"due": due, "received": HumanTask.created_at, "township": Township.code,
              "amount": Loan.amount}[sort.lstrip("-")]
    if sort.startswith("-"):
        return column.desc(), HumanTask.id.desc()
    return column, HumanTask.id


def counts_by_task(user: User, view: str = "available", up_to: int | None = None,
                   stand_ins: tuple[delegations.StandIn, ...] | None = None) -> dict[str, int]:
    """How many tasks of each kind (BPMN task id) the user's ``view`` holds; with ``up_to``, counted
    among the first ``up_to`` tasks in due order only, the ones the inbox lists first (a district
    role's tens of thousands are not all counted on every page: the caller shows "1,000+" when the
    counts add up to ``up_to``). Read through the role's due index, as ``inbox_page`` reads
    (``inbox_scope.page_scope``): unordered, PostgreSQL built a bitmap of every task of the role instead (6–15 ms
    at a province's size, 1 ms this way)."""
    waiting = sa.select(HumanTask.name).where(IS_READY,
                                              page_scope(user, view, stand_ins))
    if up_to is not None:
        waiting = waiting.order_by(*order_by("due")).limit(up_to)
    names = waiting.subquery()
    query = sa.select(names.c.name, sa.func.count()).group_by(names.c.name).order_by(names.c.name)
    return {name: n for name, n in db.session.execute(query)}


def task_names(user: User, view: str = "available") -> list[str]:
    """The kinds of ready task (BPMN task ids) of the roles ``view`` may show, for the filter menu:
    a skip scan of ``ix_human_tasks_role_name`` (one index probe per kind and role), however many
    tasks wait, as one recursive statement. A kind may have no task inside the user's township or bank."""
    roles = sorted(ROLES) if view == "all" or (view == "team" and user.roles & OVERSEERS) else sorted(user.roles)
    if not roles:
        return []
    return list(db.session.scalars(_kinds_statement(tuple(roles))))


@functools.lru_cache(maxsize=64)
def _kinds_statement(roles: tuple[str, ...]) -> sa.Select:
    """Each role's kinds of ready task, from the smallest name up: per step, the next name of the role
    (``min(name) > previous``, one probe of ``ix_human_tasks_role_name``) until there is none."""
    text = sa.String()  # one type on both sides of the recursion (PostgreSQL insists, typmod included)
    listed = sa.union_all(*(sa.select(sa.cast(sa.literal(role), text).label("role")) for role in roles)).subquery("roles")
    start = sa.select(listed.c.role, sa.cast(sa.literal(""), text).label("name")).cte("kinds", recursive=True)
    following = (sa.select(sa.func.min(HumanTask.name)).where(
        IS_READY, HumanTask.role == start.c.role, HumanTask.name > start.c.name)
        .scalar_subquery())
    kinds = start.union_all(sa.select(start.c.role, sa.cast(following, text)).where(start.c.name.is_not(None)))
    return (sa.select(kinds.c.name).where(kinds.c.name.is_not(None), kinds.c.name != "").distinct()
            .order_by(kinds.c.name))


def count_available(user: User, up_to: int | None = None,
                    stand_ins: tuple[delegations.StandIn, ...] | None = None) -> int:
    """How many tasks wait for ``user`` (the navigation's 待办 badge), counting no further than
    ``up_to`` (the badge shows "99+"): one COUNT that stops early, none for a user without a scope.
    When the user stands in for no one (``stand_ins``, looked up if not given), through the role's
    index without the 代理 part (see ``inbox_scope.page_scope``): with it, a province's badge took over a second
    on every page (bench/province.py, ``GET /loans/<id>``)."""
    if not has_scope(user):
        return 0
    return db.session.scalar(_count_statement(page_scope(user, "available", stand_ins), up_to)) or 0


@functools.lru_cache(maxsize=1024)
def _count_statement(condition, up_to: int | None) -> sa.Select:
    """The badge's COUNT over a (cached) scope condition, built once: the badge is on every page."""
    waiting = sa.select(HumanTask.id).where(IS_READY, condition)
    return sa.select(sa.func.count()).select_from(waiting.limit(up_to).subquery())


def next_task(user: User, *, after_id: int | None = None) -> HumanTask | None:
    """The user's next available task, oldest due first (claimed by them or unclaimed)."""
    query = _matching(sa.select(HumanTask), user, "available", None, None, False, None)
    if after_id is not None:
        query = query.where(HumanTask.id != after_id)
    return db.session.scalars(query.order_by(*order_by("due")).limit(1)).first()


def colleague_scope(task: HumanTask) -> tuple:
    """What ``claims.colleagues(task)`` depends on: the role, and its township or bank if it has one."""
    return (task.role, task.township_id if task.role in TOWNSHIP_ROLES else None,
            task.bank_id if task.role in BANK_ROLES else None)


def readable_tasks(user: User, task_ids) -> dict[int, HumanTask]:
    """The tasks among ``task_ids`` that ``user`` may read, by id (to name them in a message)."""
    rows = db.session.scalars(sa.select(HumanTask).where(HumanTask.id.in_(list(task_ids)))).all()
    return {row.id: row for row in rows if may_read(user, row)}


def is_overdue(task: HumanTask, now: datetime | None = None) -> bool:
    """Past its due date at ``now`` (default: the business instant; a page passes one for all its rows)."""
    return task.due_at is not None and task.due_at < (now or clock.now())


def is_due_soon(task: HumanTask, now: datetime | None = None) -> bool:
    """即将到期: not overdue yet, but due within ``DUE_SOON``."""
    now = now or clock.now()
    return task.due_at is not None and now <= task.due_at < now + DUE_SOON


# built once: SQLAlchemy works out the cache key of a statement built afresh on every page (0.8 ms of the
# 1.3 ms this took for a province's 400 townships)
_TOWNSHIP_CHOICES = sa.select(Township.id, Township.name).order_by(Township.code)


def township_choices() -> list[tuple[int, str]]:
    """(id, name) of every township, for the district roles' filter."""
    return db.session.execute(_TOWNSHIP_CHOICES).tuples().all()

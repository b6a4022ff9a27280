"""Read-side queries on loans (贷款查询): the scoped list, one loan, its timeline and its diagram.

Scope mirrors ``permissions.may_view_loan`` as SQL: district roles see every loan, a township
clerk the loans of their township, bank staff the loans of their bank; anyone else nothing.
A loan outside the user's scope is reported as missing (``NotFoundError``), never as forbidden.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date
from math import ceil

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from models import (IS_READY, GRADES, LOAN_STATUSES, AuditEvent, Bank, Household, HumanTask, Loan,
                    ProcessInstance, Township, User, db)

from . import instances, keyset, resident_id, state_pruning
from .errors import FormInvalidError, NotFoundError
from .permissions import BANK_ROLES, DISTRICT_READERS, TOWNSHIP_ROLES, in_scope

SORT_KEYS = {"id": Loan.id, "applied_on": Loan.applied_on, "amount": Loan.amount, "status": Loan.status,
             "maturity_date": Loan.maturity_date}
SORT_PARSERS = {"id": int, "applied_on": keyset.parse_date, "amount": keyset.parse_decimal, "status": str,
                "maturity_date": keyset.parse_date}
NULLABLE_SORTS = frozenset({"maturity_date"})
ID_TAIL_LENGTH = 4  # the last characters of a resident ID the mask shows (尾号后四位)
ID_TAIL = re.compile(r"\d{3}[\dXx]")
CONTRACT_PREFIX_LENGTH = 3  # a contract number is searched from its first 3 characters on
DEFAULT_SORT = "-id"
MAX_PAGE = 100_000
MAX_PER_PAGE = 100
ID_NUMBER_LENGTH = 18
LOAN_NUMBER = re.compile(r"#?(\d{1,10})")  # 贷款编号, as the pages show it (#123)
MAX_LOAN_ID = 2_147_483_647  # the largest id a loan can have (a 32-bit integer column)


def loan_scope(user: User | None) -> sa.ColumnElement[bool]:
    """The SQL condition for the loans ``user`` may see; ``sa.false()`` when none (deny by default)."""
    if user is None or not user.is_active:
        return sa.false()
    roles = user.roles
    if roles & DISTRICT_READERS:
        return sa.true()
    clauses = []
    if roles & TOWNSHIP_ROLES and user.township_id is not None:
        clauses.append(Loan.township_id == user.township_id)
    if roles & BANK_ROLES and user.bank_id is not None:
        clauses.append(Loan.bank_id == user.bank_id)
    return sa.or_(*clauses) if clauses else sa.false()


def visible_loans(user: User | None) -> sa.Select:
    """``select(Loan)`` limited to the loans ``user`` may see."""
    return sa.select(Loan).where(loan_scope(user))


def shows_full_id_number(user: User, loan: Loan) -> bool:
    """The full resident ID only inside the viewer's own township or bank scope; masked otherwise."""
    if in_scope(user, "township_clerk", loan.township_id, None):
        return True
    return any(in_scope(user, role, None, loan.bank_id) for role in BANK_ROLES)


@dataclass(frozen=True)
class LoanFilters:
    """What the loan list is filtered and sorted by. Empty values mean "any"."""

    status: str | None = None
    township: str | None = None  # Township.code
    bank: str | None = None  # Bank.code
    grade: str | None = None
    applied_from: date | None = None
    applied_to: date | None = None
    q: str | None = None  # a household name's start, the last 4 or all 18 characters of a resident ID, a contract number's start
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = 20
    cursor: str | None = None  # where the page starts (keyset); ``page`` is then not used

    def __post_init__(self) -> None:
        errors = {}
        if self.status and self.status not in LOAN_STATUSES:
            errors["status"] = ["unknown status"]
        if self.grade and self.grade not in GRADES:
            errors["grade"] = ["unknown grade"]
        if self.sort.removeprefix("-") not in SORT_KEYS:
            errors["sort"] = [f"one of {', '.join(SORT_KEYS)}, with '-' for descending"]
        if not 1 <= self.page <= MAX_PAGE:
            errors["page"] = [f"must be 1 to {MAX_PAGE}"]
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            errors["per_page"] = [f"must be 1 to {MAX_PER_PAGE}"]
        if self.applied_from and self.applied_to and self.applied_from > self.applied_to:
            errors["applied_to"] = ["must not be before applied_from"]
        if self.cursor and "sort" not in errors:
            try:
                keyset.decode(self.cursor, self.key)
            except ValueError:
                errors["cursor"] = ["not a cursor of this list and order"]
        if errors:
            raise FormInvalidError(errors)

    @classmethod
    def from_args(cls, args) -> LoanFilters:
        """Filters from query-string arguments (a mapping of strings); bad values raise ``FormInvalidError``."""
        values, errors = {}, {}
        for item in fields(cls):
            raw = (args.get(item.name) or "").strip()
            if not raw:
                continue
            try:
                values[item.name] = _convert(item.type, raw)
            except ValueError:
                errors[item.name] = ["not a valid value"]
        if errors:
            raise FormInvalidError(errors)
        return cls(**values)

    @property
    def sort_key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def key(self) -> keyset.Key:
        """The keyset order of ``sort`` (a loan without a maturity date sorts after the others ascending)."""
        name = self.sort_key
        return keyset.Key(self.sort, SORT_KEYS[name], Loan.id, self.descending, name in NULLABLE_SORTS,
                          SORT_PARSERS[name])


def _convert(type_name: str, raw: str):
    return date.fromisoformat(raw) if "date" in type_name else int(raw) if type_name == "int" else raw


@dataclass
class Page:
    """One page of a list and the total it was cut from (``total_capped``: at least ``total``, see
    ``keyset.capped_count``), with the keyset cursors of the pages after and before it."""

    items: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 20
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_capped: bool = False

    @property
    def total_text(self) -> str:
        return f"{self.total:,}+" if self.total_capped else f"{self.total:,}"

    @property
    def pages(self) -> int:
        return max(ceil(self.total / self.per_page), 1)

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)


def filtered_loans(user: User | None, filters: LoanFilters) -> sa.Select:
    """``visible_loans`` narrowed by ``filters`` (unsorted, unpaged)."""
    query = visible_loans(user)
    if filters.status:
        query = query.where(Loan.status == filters.status)
    if filters.township:
        query = query.where(Loan.township_id.in_(sa.select(Township.id).where(Township.code == filters.township)))
    if filters.bank:
        query = query.where(Loan.bank_id.in_(sa.select(Bank.id).where(Bank.code == filters.bank)))
    if filters.grade:
        query = query.where(Loan.grade == filters.grade)
    if filters.applied_from:
        query = query.where(Loan.applied_on >= filters.applied_from)
    if filters.applied_to:
        query = query.where(Loan.applied_on <= filters.applied_to)
    if filters.q:
        query = query.where(found_by(Loan.id, filters.q.strip()))
    return query


def starting_with(text: str) -> str:
    """A LIKE pattern for values that start with ``text`` (``%``, ``_`` and ``\\`` in it escaped)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class found_by(FunctionElement):
    """``found_by(column, text)``: ``column`` holds the id of a loan ``text`` finds (``matching_loan_ids``).

    ``column IN (ids)`` on SQLite; ``column = ANY(ARRAY(ids))`` on PostgreSQL, where the ids are then
    found first (an init plan) and looked up in ``column``'s index. With ``IN`` the planner joined
    every ready task of a district role to its loan before it looked at the few loans found: 0.6 s for
    a two-character name among a province's million loans, 11 ms this way (docs/scale.md)."""

    type = sa.types.NullType()  # not Boolean: SQLite would be asked "… IN (…) = 1"
    inherit_cache = True

    def __init__(self, column, text: str) -> None:
        super().__init__(column, matching_loan_ids(text).scalar_subquery())


@compiles(found_by)
def _found_by(element, compiler, **kw):
    column, ids = list(element.clauses)
    return f"{compiler.process(column, **kw)} IN {compiler.process(ids, **kw)}"


@compiles(found_by, "postgresql")
def _found_by_postgresql(element, compiler, **kw):
    column, ids = list(element.clauses)
    return f"{compiler.process(column, **kw)} = ANY(ARRAY{compiler.process(ids, **kw)})"


def matching_loan_ids(text: str) -> sa.Select | sa.CompoundSelect:
    """检索: the ids of the loans ``text`` finds, the one search of the loan list and the inbox, each
    way on an index, so a search costs the same among a million loans:

    - a household name by its start (``冉光`` finds 冉光荣; a two-character name is too short for
      trigrams, and a Chinese name is searched from the surname) on ``ix_households_name_prefix``;
    - the last four characters of a resident ID (the ones the mask shows: nothing hidden can be
      probed) on ``ix_households_id_tail``, or the full 18 characters;
    - a contract number by its start (3 characters or more) on ``ix_loans_contract_prefix``;
    - a loan number, ``#123`` or ``123``.
    """
    text = "".join(text.split())  # "冉 光荣" as typed with a space
    if len(text) == ID_NUMBER_LENGTH and text[:-1].isdigit():
        return sa.select(Loan.id).where(Loan.applicant_id_number == text.upper())
    households = [Household.name.like(starting_with(text), escape="\\")]
    if ID_TAIL.fullmatch(text):
        households.append(sa.func.substr(Household.id_number, 15) == text.upper())
    # one index range per way, their loan ids UNIONed: an OR across them would read every loan
    ways = [sa.select(Loan.id).where(Loan.household_id.in_(sa.select(Household.id).where(condition)))
            for condition in households]
    if len(text) >= CONTRACT_PREFIX_LENGTH:
        ways += [sa.select(Loan.id).where(Loan.contract_number.like(starting_with(variant), escape="\\"))
                 for variant in dict.fromkeys((text, text.upper()))]
    number = LOAN_NUMBER.fullmatch(text)
    if number and int(number.group(1)) <= MAX_LOAN_ID:
        ways.append(sa.select(Loan.id).where(Loan.id == int(number.group(1))))
    return sa.union(*ways) if len(ways) > 1 else ways[0]


def search_loans(user: User | None, filters: LoanFilters, *, count: bool = True) -> Page:
    """One page of the loans ``user`` may see, filtered and sorted, with the count capped at
    ``keyset.CAP``: from ``filters.cursor`` (keyset, one index range however deep) or, for the
    clients that page by number, from ``filters.page``. Either way the page carries the cursor of
    the next one."""
    query = filtered_loans(user, filters)
    key = filters.key
    options = (so.joinedload(Loan.household), so.joinedload(Loan.township), so.joinedload(Loan.bank))

    def loans(statement):
        return list(db.session.scalars(statement.options(*options)).unique())

    cursor = keyset.decode(filters.cursor, key) if filters.cursor else None
    found = keyset.page(query, key, cursor, filters.per_page, value_of=lambda loan: getattr(loan, filters.sort_key),
                        id_of=lambda loan: loan.id, execute=loans, count=count,
                        offset=0 if cursor else (filters.page - 1) * filters.per_page)
    return Page(found.items, found.total, filters.page, filters.per_page, found.next_cursor, found.previous_cursor,
                found.total_capped)


def loan_for(user: User | None, loan_id: int) -> Loan:
    """The loan if it exists and ``user`` may see it; ``NotFoundError`` otherwise (either way)."""
    loan = db.session.scalars(visible_loans(user).where(Loan.id == loan_id)).first()
    if loan is None:
        raise NotFoundError(f"loan {loan_id}")
    return loan


def loan_timeline(loan_id: int) -> list[AuditEvent]:
    """The audit events of the loan, oldest first."""
    query = sa.select(AuditEvent).where(AuditEvent.loan_id == loan_id)
    return list(db.session.scalars(query.order_by(AuditEvent.occurred_at, AuditEvent.id)))


def open_tasks(loan_id: int) -> list[HumanTask]:
    """The loan's ready human tasks, oldest first, with their assignee loaded."""
    query = (sa.select(HumanTask).where(HumanTask.loan_id == loan_id, IS_READY)
             .options(so.joinedload(HumanTask.assignee)).order_by(HumanTask.created_at, HumanTask.id))
    return list(db.session.scalars(query))


def display_names(user_ids) -> dict[int, str]:
    """Display names of the given users (for the timeline's "who")."""
    ids = {i for i in user_ids if i is not None}
    rows = db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all() if ids else []
    return dict(rows)


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """(code, name) of every township and bank, for the list's filter menus."""
    townships = db.session.execute(sa.select(Township.code, Township.name).order_by(Township.code)).all()
    banks = db.session.execute(sa.select(Bank.code, Bank.name).order_by(Bank.code)).all()
    return {"townships": [tuple(row) for row in townships], "banks": [tuple(row) for row in banks]}


CURRENT_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def diagram_state(loan_id: int) -> dict:
    """The loan's diagram and where its instance stands.

    ``{"process_key", "version", "bpmn_xml", "completed": [ids], "current": [ids]}``: ``current``
    holds the BPMN ids of ready, waiting or started tasks; ``completed`` those completed and not
    current again (a step sent back for rework is current, not completed). Both in first-seen order.
    """
    row = db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.loan_id == loan_id)
                             .order_by(ProcessInstance.id.desc()).limit(1)).first()
    if row is None:
        raise NotFoundError(f"no process instance for loan {loan_id}")
    workflow = instances.load(row.id).workflow
    completed, current = dict.fromkeys(state_pruning.finished_ids(workflow)), {}
    for spiff_task in workflow.get_tasks():
        bpmn_id = getattr(spiff_task.task_spec, "bpmn_id", None)
        if bpmn_id is None:
            continue
        if spiff_task.state == TaskState.COMPLETED:
            completed.setdefault(bpmn_id, None)
        elif spiff_task.state & CURRENT_STATES and not _listening(spiff_task):
            current.setdefault(bpmn_id, None)
    version = row.process_version
    return {"process_key": version.process_key, "version": version.version,
            "bpmn_xml": bpmn_source(version.sources, version.process_key),
            "completed": [i for i in completed if i not in current], "current": list(current)}


def _listening(spiff_task) -> bool:
    """A boundary event waiting for a message from outside (撤回, 结清) is no step the loan stands at."""
    return (spiff_task.state == TaskState.WAITING and isinstance(spiff_task.task_spec, BoundaryEvent)
            and isinstance(spiff_task.task_spec.event_definition, MessageEventDefinition))


def bpmn_source(sources: dict[str, str], process_key: str) -> str:
    """The ``.bpmn`` file of the sources that defines ``process_key`` (the only one, usually)."""
    bpmn = {name: xml for name, xml in sorted(sources.items()) if name.endswith(".bpmn")}
    for xml in bpmn.values():
        if f'id="{process_key}"' in xml:
            return xml
    if not bpmn:
        raise NotFoundError(f"no BPMN source for {process_key}")
    return next(iter(bpmn.values()))


@dataclass(frozen=True)
class Change:
    """One changed value of an audit event: ``key`` ('' for a plain value), before and after."""

    key: str
    before: object
    after: object


ID_NUMBER_KEYS = frozenset({"id_number", "applicant_id_number"})


def event_changes(event: AuditEvent) -> list[Change]:
    """The keys whose values differ between the event's ``before`` and its resulting state.

    A task event stores ``after = {"form": ..., "loan": snapshot}``: the snapshot is compared with
    ``before``; other events compare ``before`` and ``after`` as they are (dicts key by key).
    """
    before, after = event.before, event.after
    if isinstance(after, dict) and ("form" in after or "loan" in after):
        after = after.get("loan")
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        keys = dict.fromkeys([*old, *new])
        return [Change(key, old.get(key), new.get(key)) for key in keys if old.get(key) != new.get(key)]
    return [] if before == after else [Change("", before, after)]


def event_form(event: AuditEvent, reveal_id_number: bool = False) -> dict:
    """The form data the event's user submitted, resident IDs masked unless ``reveal_id_number``."""
    after = event.after
    form = after.get("form") if isinstance(after, dict) else None
    if not isinstance(form, dict):
        return {}
    if reveal_id_number:
        return dict(form)
    return {key: resident_id.mask(str(value)) if key in ID_NUMBER_KEYS and value else value
            for key, value in form.items()}

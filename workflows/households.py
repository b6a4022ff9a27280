"""The household lists (脱贫人口 / 边缘易致贫户 名单) kept by the rural-revitalisation bureau.

The bureau registers households; the lists are supplied to the banks (docs/policy.md, ``not_registered``),
so bank staff see every listed household. A township clerk sees the households of their township.
Full resident ID numbers are shown only to those who need them (see ``may_see_id_number``).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from models import CATEGORIES, Household, Loan, Township, User, Village, db

from . import audit, keyset, resident_id
from .audit import Actor
from .errors import ForbiddenError, FormInvalidError
from .permissions import BANK_ROLES, DISTRICT_READERS
from .unit_of_work import unit_of_work

PER_PAGE = 20
BY_ID = keyset.Key("id", Household.id, Household.id, parse=int)
MAX_NAME_LENGTH = 64


@dataclass(frozen=True)
class HouseholdPage:
    items: list[Household]
    total: int  # counted up to ``keyset.CAP`` (``total_capped``: more than that)
    page: int
    per_page: int
    next_cursor: str | None = None
    total_capped: bool = False


@unit_of_work
def register_household(actor: Actor, data: dict) -> Household:
    """在册登记: add a household to the list (rural bureau only); audit ``household_registered``."""
    if actor.user is None or not actor.user.is_active or not actor.user.has_role("rural_bureau"):
        raise ForbiddenError("only the rural-revitalisation bureau registers households")
    problems, values = _validated(data)
    if problems:
        raise FormInvalidError(problems)
    household = Household(**values)
    db.session.add(household)
    db.session.flush()
    audit.record("household_registered", Actor(actor.user, "rural_bureau", actor.ip_address),
                 household_id=household.id, township_id=household.township_id,
                 after={"id_number": household.id_number, "name": household.name, "category": household.category,
                        "township": household.township.code, "village": household.village.code})
    return household


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _validated(data: dict) -> tuple[dict[str, list[str]], dict]:
    problems: dict[str, list[str]] = {}
    values: dict = {"name": _text(data, "name"), "category": _text(data, "category")}
    try:
        values["id_number"] = resident_id.normalise(_text(data, "id_number"))
    except resident_id.InvalidResidentIdError:
        problems["id_number"] = ["invalid_id_number"]
    else:
        if db.session.scalars(sa.select(Household.id).where(Household.id_number == values["id_number"])).first():
            problems["id_number"] = ["already_registered"]
    if not values["name"] or len(values["name"]) > MAX_NAME_LENGTH:
        problems["name"] = ["required" if not values["name"] else "too_long"]
    if values["category"] not in CATEGORIES:
        problems["category"] = ["unknown_category"]
    values["township"] = db.session.scalars(sa.select(Township).where(Township.code == _text(data, "township"))).first()
    if values["township"] is None:
        problems["township"] = ["unknown_township"]
    else:
        values["village"] = db.session.scalars(sa.select(Village).where(
            Village.township_id == values["township"].id, Village.code == _text(data, "village"))).first()
        if values["village"] is None:
            problems["village"] = ["unknown_village"]
    return problems, values


def visible_households(user: User) -> sa.Select:
    """The households ``user`` may list: district roles and banks all, a township clerk their township."""
    query = sa.select(Household)
    if user.is_active and user.roles & (DISTRICT_READERS | BANK_ROLES):
        return query
    if user.is_active and "township_clerk" in user.roles and user.township_id is not None:
        return query.where(Household.township_id == user.township_id)
    raise ForbiddenError("no role that may see the household lists")


def list_households(user: User, q: str | None = None, township: str | None = None, page: int = 1,
                    per_page: int = PER_PAGE, cursor: str | None = None) -> HouseholdPage:
    """One page of the visible households by id, filtered by name or ID (``q``) and township code: from
    ``cursor`` (keyset, ``keyset.read_cursor``) or, without one, page number ``page``."""
    query = visible_households(user)
    if q:
        query = query.where(sa.or_(Household.name.contains(q, autoescape=True),
                                   Household.id_number.startswith(q.upper(), autoescape=True)))
    if township:
        query = query.join(Household.township).where(Township.code == township)
    page, start = max(1, page), keyset.read_cursor(cursor, BY_ID)
    found = keyset.page(query, BY_ID, start, per_page, offset=0 if start else (page - 1) * per_page,
                        execute=lambda statement: list(db.session.scalars(statement)),
                        value_of=lambda household: household.id, id_of=lambda household: household.id)
    return HouseholdPage(found.items, found.total, page, per_page, found.next_cursor, found.total_capped)


def may_see_id_number(user: User, household: Household, loan: Loan | None = None) -> bool:
    """The full resident ID: the bureau always; a clerk in the household's township; bank staff of the loan's bank.

    In lists (no loan) only the bureau sees it: banks get the lists, but masked until a loan is theirs.
    """
    if not user.is_active:
        return False
    if user.has_role("rural_bureau"):
        return True
    if loan is None:
        return False
    if "township_clerk" in user.roles and user.township_id == household.township_id:
        return True
    return bool(user.roles & BANK_ROLES) and user.bank_id == loan.bank_id

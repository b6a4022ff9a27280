"""Who sees which ready tasks (待办的范围): the SQL condition of each inbox view for a user.

A task's scope is its lane's role: a township clerk's tasks of their township, bank staff's of their
bank, a district role's (rural bureau, finance bureau, supervisor) every task of the role; four eyes
(``task_exclusions``) keeps a task from the users it names. ``available`` adds the tasks of colleagues
the user stands in for today (代理, ``delegations``). Conditions are built once per user and view
(``_Who`` is hashable; SQL expressions are immutable). The queries that use them are in ``inbox``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import Delegation, HumanTask, TaskExclusion, User, UserRole

from .. import clock
from ..errors import ForbiddenError
from ..permissions import BANK_ROLES, TOWNSHIP_ROLES
from . import delegations
from .access import OVERSEERS, READERS

VIEWS = ("available", "mine", "team", "all")


def may_view_all(user: User) -> bool:
    """Supervisors read every ready task (read-only)."""
    return user.is_active and bool(user.roles & READERS)


@dataclass(frozen=True)
class _Who:
    """What the inbox's conditions depend on: a user's id, roles and place (hashable, so each user's
    conditions are built once, not on every page; SQL expressions are immutable)."""

    user_id: int
    roles: frozenset[str]
    township_id: int | None
    bank_id: int | None
    active: bool
    today: date | None = None  # the business date: which delegations (代理) hold


def _who(user: User) -> _Who:
    return _Who(user.id, frozenset(user.roles), user.township_id, user.bank_id, bool(user.is_active), clock.today())


def _role_scope(who: _Who, role: str):
    """The condition for tasks of ``role`` inside the user's township or bank (None: out of scope)."""
    if role in TOWNSHIP_ROLES:
        return None if who.township_id is None else sa.and_(
            HumanTask.role == role, HumanTask.township_id == who.township_id)
    if role in BANK_ROLES:
        return None if who.bank_id is None else sa.and_(HumanTask.role == role, HumanTask.bank_id == who.bank_id)
    return HumanTask.role == role


def _scopes(who: _Who) -> list:
    """One condition per role the user holds a scope for (none for an inactive user)."""
    if not who.active:
        return []
    return [c for c in (_role_scope(who, role) for role in sorted(who.roles)) if c is not None]


def scope_condition(user: User, view: str = "available"):
    """Which ready tasks ``user`` may list in ``view``; ``sa.false()`` when none."""
    if view not in VIEWS:
        raise ValueError(f"unknown inbox view {view!r}")
    if view == "all":
        if not may_view_all(user):
            raise ForbiddenError("only supervisors see every task")
        return sa.true()
    return _condition(_who(user), view)


@functools.lru_cache(maxsize=1024)
def _condition(who: _Who, view: str):
    """The condition of ``view`` (not ``all``) for ``who``, built once per user and view."""
    if view == "team":
        return _team_condition(who)
    scopes = _scopes(who)
    mine = HumanTask.assignee_id == who.user_id
    claim = mine if view == "mine" else sa.or_(HumanTask.assignee_id.is_(None), mine)
    if not scopes:
        return sa.false()
    own = sa.and_(sa.or_(*scopes), claim)
    return sa.and_(own if view == "mine" else sa.or_(own, _stand_in_condition(who)), _not_excluded(who.user_id))


def _not_excluded(user_id: int):
    return ~sa.exists().where(TaskExclusion.human_task_id == HumanTask.id, TaskExclusion.user_id == user_id)


def _stand_in_condition(who: _Who):
    """代理, in SQL (the badge stays one query): tasks a colleague ``who`` stands in for today claimed, in
    the role of the delegation and the colleague's township or bank, unless four eyes keeps them from
    the colleague (``who``'s own exclusions are checked beside this)."""
    principal = so.aliased(User, name="principal")
    place = sa.or_(sa.and_(HumanTask.role.in_(sorted(TOWNSHIP_ROLES)), HumanTask.township_id == principal.township_id),
                   sa.and_(HumanTask.role.in_(sorted(BANK_ROLES)), HumanTask.bank_id == principal.bank_id),
                   HumanTask.role.not_in(sorted(TOWNSHIP_ROLES | BANK_ROLES)))
    # correlated to both: two levels down, auto-correlation would cross-join every task instead
    holds = (sa.exists().where(UserRole.user_id == principal.id, UserRole.role == HumanTask.role)
             .correlate(HumanTask, principal))
    excluded = (sa.exists().where(TaskExclusion.human_task_id == HumanTask.id, TaskExclusion.user_id == principal.id)
                .correlate(HumanTask, principal))
    return sa.exists().where(
        Delegation.delegate_id == who.user_id, delegations.in_force(who.today), Delegation.role == HumanTask.role,
        Delegation.role.in_(sorted(who.roles)),
        principal.id == Delegation.principal_id, principal.is_active.is_(True),
        HumanTask.assignee_id == principal.id, holds, place, ~excluded)


def stand_in_names(user: User, rows, stand_ins: tuple[delegations.StandIn, ...] | None = None) -> dict[int, str]:
    """代理 <name>: for each task among ``rows`` that ``user`` sees by standing in for the colleague who
    claimed it, that colleague's display name (by task id). ``stand_ins``: ``delegations.stand_ins(user)``
    if the caller already looked them up (as in every function here that takes it)."""
    stand_ins = delegations.stand_ins(user) if stand_ins is None else stand_ins
    names = {}
    for row in rows:
        for s in stand_ins:
            if row.assignee_id == s.principal_id and s.role == row.role and (s.role not in TOWNSHIP_ROLES or s.township_id == row.township_id) \
                    and (s.role not in BANK_ROLES or s.bank_id == row.bank_id):
                names[row.id] = s.principal_name
                break
    return names


def _team_condition(who: _Who):
    """Tasks colleagues claimed: in the user's roles and scope; any claimed task for an overseer."""
    by_colleague = sa.and_(HumanTask.assignee_id.is_not(None), HumanTask.assignee_id != who.user_id)
    if who.active and who.roles & OVERSEERS:
        return by_colleague
    scopes = _scopes(who)
    return sa.and_(sa.or_(*scopes), by_colleague) if scopes else sa.false()


def page_scope(user: User, view: str, stand_ins: tuple[delegations.StandIn, ...] | None = None):
    """The condition of ``view``; for ``available``, without the 代理 part when the user stands in for
    no one today (one lookup of ``delegations``). That part is an OR with a subquery, which keeps the
    database from reading the role's index range (role, township or bank, due date): without it a
    clerk's page among a province's tasks reads one page of rows instead of every ready task."""
    if view != "available" or (delegations.stand_ins(user) if stand_ins is None else stand_ins):
        return scope_condition(user, view)
    return _own_condition(_who(user))


@functools.lru_cache(maxsize=1024)
def _own_condition(who: _Who):
    """``available`` without the 代理 part: the user's unclaimed and own tasks in their roles and scope."""
    scopes = _scopes(who)
    if not scopes:
        return sa.false()
    claim = sa.or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == who.user_id)
    return sa.and_(sa.or_(*scopes), claim, _not_excluded(who.user_id))


def has_scope(user: User) -> bool:
    """Whether the user may take any task at all (an active user with a role in a township, bank or
    the district)."""
    return bool(_scopes(_who(user)))

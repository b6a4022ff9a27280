"""代理 (delegation) as the task authority and the inbox read it: whom a user stands in for today.

A delegation lets its delegate see, claim and complete the ready tasks of one role the principal
claimed (the unclaimed ones of the same township or bank are in the delegate's pool anyway), on the
business dates of its period (``clock.today()``). What
four eyes keeps from the delegate, or from the principal, stays kept from the delegate acting for
them. Delegations are made by administrators (``workflows.user_admin``).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from models import Delegation, HumanTask, User, db

from .. import clock
from ..permissions import in_scope


@dataclass(frozen=True)
class StandIn:
    """One principal a user stands in for today, with the role and the principal's place."""

    principal_id: int
    principal_name: str
    role: str
    township_id: int | None
    bank_id: int | None


def in_force(day) -> sa.ColumnElement[bool]:
    """A delegation holds on ``day`` (a date, or a bound parameter of one): not ended, and ``day`` within
    its period. The one condition of both ``stand_ins`` and the inbox's stand-in scope (``inbox_scope``)."""
    return sa.and_(Delegation.ended_at.is_(None), Delegation.starts_on <= day, Delegation.ends_on >= day)


# built once: every inbox page, badge and task access asks it
_DELEGATIONS_TODAY = sa.select(Delegation).where(
    Delegation.delegate_id == sa.bindparam("delegate_id"), in_force(sa.bindparam("today", type_=sa.Date()))
).order_by(Delegation.id)


def stand_ins(user: User) -> tuple[StandIn, ...]:
    """The principals ``user`` stands in for on today's business date (the principal still active
    and holding the role; the delegate holding it too)."""
    if user is None or not user.is_active:
        return ()
    rows = db.session.scalars(_DELEGATIONS_TODAY, {"delegate_id": user.id, "today": clock.today()}).all()
    return tuple(StandIn(d.principal_id, d.principal.display_name, d.role, d.principal.township_id,
                         d.principal.bank_id)
                 for d in rows if user.has_role(d.role) and d.principal.is_active and d.principal.has_role(d.role))


def principal_for(user: User, row: HumanTask) -> User | None:
    """The principal ``user`` may act for on ``row`` (its role, inside the principal's scope), or None."""
    for stand_in in stand_ins(user):
        principal = db.session.get(User, stand_in.principal_id)
        if stand_in.role == row.role and in_scope(principal, row.role, row.township_id, row.bank_id):
            return principal
    return None

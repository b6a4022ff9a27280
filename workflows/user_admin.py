"""用户与角色管理: what an administrator does to accounts in the browser and the API.

List, create, edit, deactivate, reactivate, reset a password, and delegate (代理) a user's tasks to a
colleague while they are away. Each change is one transaction with one audit event (before and
after, never a password). Scope: one per user, a township or a bank, as the roles ask:
township roles need a township, bank roles a bank, district roles none (``user_scope_mismatch``).
An administrator never deactivates themself (``cannot_deactivate_self``) nor removes their own
admin role (``cannot_remove_own_admin``). Passwords made here are temporary: shown once to the
administrator, the user chooses a new one at the next sign-in (``must_change_password``).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from models import IS_READY, ROLES, Bank, Delegation, HumanTask, Township, User, UserRole, db

from . import accounts, audit, clock
from .audit import Actor
from .errors import FormInvalidError, NotFoundError, PolicyViolationError
from .permissions import BANK_ROLES, TOWNSHIP_ROLES, in_scope
from .tasks import claims, delegations
from .unit_of_work import unit_of_work

USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-")
TEMPORARY_PASSWORD_BYTES = 9  # 12 URL-safe characters, above accounts.MIN_PASSWORD_LENGTH
MAX_DELEGATION_DAYS = 366


def scope_kind(role: str) -> str | None:
    """``township``, ``bank`` or None (a district role) for ``role``."""
    return "township" if role in TOWNSHIP_ROLES else "bank" if role in BANK_ROLES else None


@dataclass(frozen=True)
class UserFilter:
    """The list's search (user name or display name, part of it), role, scope code and state."""

    q: str = ""
    role: str = ""
    scope: str = ""  # a township or bank code
    active: bool | None = None


def list_users(filters: UserFilter = UserFilter()) -> list[User]:
    """Users matching ``filters``, by user name."""
    query = sa.select(User).order_by(User.username)
    text = filters.q.strip()
    if text:
        query = query.where(sa.or_(User.username.contains(text, autoescape=True),
                                   User.display_name.contains(text, autoescape=True)))
    if filters.role:
        query = query.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == filters.role)))
    if filters.scope:
        query = query.where(sa.or_(
            User.township_id.in_(sa.select(Township.id).where(Township.code == filters.scope)),
            User.bank_id.in_(sa.select(Bank.id).where(Bank.code == filters.scope))))
    if filters.active is not None:
        query = query.where(User.is_active.is_(filters.active))
    return list(db.session.scalars(query))


def get_user(username: str) -> User:
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        raise NotFoundError(f"user {username}")
    return user


def snapshot(user: User) -> dict:
    """What the audit trail records of an account (never its password hash)."""
    return {"username": user.username, "display_name": user.display_name, "roles": sorted(user.roles),
            "township": user.township.code if user.township else None,
            "bank": user.bank.code if user.bank else None, "is_active": user.is_active,
            "must_change_password": user.must_change_password}


@unit_of_work
def create_user(actor: Actor, username: str, display_name: str, roles: list[str], township: str | None = None,
                bank: str | None = None) -> tuple[User, str]:
    """新建用户 with a temporary password; returns the user and that password (shown once)."""
    username = (username or "").strip()
    problems = {}
    if db.session.scalars(sa.select(User.id).where(sa.func.lower(User.username) == username.lower())).first():
        problems["username"] = ["username_taken"]  # also in another case: sign-in names are told apart by people
    elif not username or not set(username) <= USERNAME_CHARS or len(username) > 64:
        problems["username"] = ["invalid_username"]
    if problems:
        raise FormInvalidError(problems)
    township_row, bank_row = _scope(roles, township, bank)
    password = temporary_password()
    user = User(username=username, display_name=(display_name or "").strip() or username,
                password_hash=generate_password_hash(password, method=accounts.PASSWORD_HASH_METHOD),
                township=township_row, bank=bank_row, role_rows=[UserRole(role=r) for r in _roles(roles)],
                must_change_password=True)
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", actor, after=snapshot(user))
    return user, password


@unit_of_work
def edit_user(actor: Actor, username: str, display_name: str, roles: list[str], township: str | None = None,
              bank: str | None = None) -> User:
    """编辑用户: roles, scope and display name. Claimed tasks the user no longer may do go back to the pool."""
    user = get_user(username)
    roles = _roles(roles)
    if user.id == actor.user_id and "admin" in user.roles and "admin" not in roles:
        raise PolicyViolationError(["cannot_remove_own_admin"], {"roles": ["cannot_remove_own_admin"]})
    township_row, bank_row = _scope(roles, township, bank)
    before = snapshot(user)
    user.display_name = (display_name or "").strip() or user.display_name
    user.township, user.bank = township_row, bank_row
    kept = [row for row in user.role_rows if row.role in roles]
    user.role_rows = kept + [UserRole(role=r) for r in roles if r not in {row.role for row in kept}]
    db.session.flush()
    released = _release_out_of_scope(actor, user)
    after = snapshot(user)
    if after != before or released:
        audit.record("user_updated", actor, before=before, after={**after, "released_tasks": released})
    return user


@unit_of_work
def deactivate(actor: Actor, username: str) -> int:
    """停用: no more sign-ins, sessions and API tokens end, claimed tasks go back to the pool.
    Returns how many tasks were released."""
    user = get_user(username)
    if user.id == actor.user_id:
        raise PolicyViolationError(["cannot_deactivate_self"])
    if not user.is_active:
        return 0
    before = snapshot(user)
    released = claims.release_claims_of(actor, user)
    user.is_active = False
    accounts._end_sessions(user, revoke_tokens=True)
    audit.record("user_deactivated", actor, before=before, after={**snapshot(user), "released_tasks": released})
    return released


@unit_of_work
def reactivate(actor: Actor, username: str) -> User:
    """启用 a deactivated account again (its old sessions stay ended)."""
    user = get_user(username)
    if not user.is_active:
        before = snapshot(user)
        user.is_active = True
        user.locked_until = None
        audit.record("user_reactivated", actor, before=before, after=snapshot(user))
    return user


@unit_of_work
def reset_password(actor: Actor, username: str) -> str:
    """重置密码: a temporary password (returned, shown once), to be changed at the next sign-in;
    every session and API token of the user ends."""
    user = get_user(username)
    password = temporary_password()
    user.password_hash = generate_password_hash(password, method=accounts.PASSWORD_HASH_METHOD)
    user.must_change_password = True
    user.locked_until = None
    accounts._end_sessions(user, revoke_tokens=True)
    audit.record("password_reset", actor, after={"username": user.username, "must_change_password": True})
    return password


def temporary_password() -> str:
    return secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)


def delegations_of(user: User) -> list[Delegation]:
    """The user's delegations, as principal or as delegate, newest first."""
    return list(db.session.scalars(sa.select(Delegation).where(
        sa.or_(Delegation.principal_id == user.id, Delegation.delegate_id == user.id))
        .order_by(Delegation.starts_on.desc(), Delegation.id.desc())))


@unit_of_work
def delegate(actor: Actor, username: str, delegate_username: str, role: str, starts_on: date,
             ends_on: date) -> Delegation:
    """代理: ``delegate_username`` takes ``username``'s ready tasks of ``role`` from ``starts_on`` to
    ``ends_on`` (business dates, inclusive). The delegate holds the same role in the same township
    or bank (``delegate_not_eligible``); the period is ordered, not over by today and at most
    ``MAX_DELEGATION_DAYS`` long (``delegation_period_invalid``)."""
    principal, stand_in = get_user(username), _user_or_field(delegate_username, "delegate")
    if role not in principal.roles:
        raise FormInvalidError({"role": ["role_not_held"]})
    if stand_in.id == principal.id or not stand_in.is_active or not in_scope(
            stand_in, role, principal.township_id, principal.bank_id):
        raise PolicyViolationError(["delegate_not_eligible"], {"delegate": ["delegate_not_eligible"]})
    if starts_on > ends_on or ends_on < clock.today() or (ends_on - starts_on).days >= MAX_DELEGATION_DAYS:
        raise PolicyViolationError(["delegation_period_invalid"], {"ends_on": ["delegation_period_invalid"]})
    row = Delegation(principal=principal, delegate=stand_in, role=role, starts_on=starts_on, ends_on=ends_on,
                     created_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit.record("delegation_created", actor, after=delegation_snapshot(row))
    return row


@unit_of_work
def end_delegation(actor: Actor, delegation_id: int) -> Delegation:
    """End a delegation now: the delegate no longer sees the tasks (those they claimed stay theirs)."""
    row = db.session.get(Delegation, delegation_id)
    if row is None:
        raise NotFoundError(f"delegation {delegation_id}")
    if row.ended_at is None:
        before = delegation_snapshot(row)
        row.ended_at = clock.wall_now()
        audit.record("delegation_ended", actor, before=before, after=delegation_snapshot(row))
    return row


def delegation_snapshot(row: Delegation) -> dict:
    return {"id": row.id, "principal": row.principal.username, "delegate": row.delegate.username, "role": row.role,
            "starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(),
            "ended": row.ended_at is not None}


def _roles(roles: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(r for r in roles or [] if r))
    unknown = [r for r in chosen if r not in ROLES]
    if unknown or not chosen:
        raise FormInvalidError({"roles": ["unknown_role" if unknown else "role_required"]})
    return chosen


def _scope(roles: list[str], township: str | None, bank: str | None) -> tuple[Township | None, Bank | None]:
    """The one township or bank the roles ask for, or ``user_scope_mismatch`` on the field to blame."""
    kinds = {scope_kind(r) for r in _roles(roles)} - {None}
    township, bank = (township or "").strip(), (bank or "").strip()
    wrong = {}
    if len(kinds) > 1:
        wrong["roles"] = ["user_scope_mismatch"]
    township_row = db.session.scalars(sa.select(Township).where(Township.code == township)).first() if township else None
    bank_row = db.session.scalars(sa.select(Bank).where(Bank.code == bank)).first() if bank else None
    if ("township" in kinds) != (township_row is not None) or (township and township_row is None):
        wrong["township"] = ["user_scope_mismatch"]
    if ("bank" in kinds) != (bank_row is not None) or (bank and bank_row is None):
        wrong["bank"] = ["user_scope_mismatch"]
    if wrong:
        raise PolicyViolationError(["user_scope_mismatch"], wrong)
    return township_row, bank_row


def _user_or_field(username: str, field: str) -> User:
    user = db.session.scalars(sa.select(User).where(User.username == (username or "").strip())).first()
    if user is None:
        raise FormInvalidError({field: ["unknown_user"]})
    return user


def _release_out_of_scope(actor: Actor, user: User) -> int:
    """Claimed tasks outside the user's new roles or scope go back to the pool."""
    rows = db.session.scalars(sa.select(HumanTask).where(
        HumanTask.assignee_id == user.id, IS_READY)).all()
    released = 0
    for row in rows:
        if not in_scope(user, row.role, row.township_id, row.bank_id) and delegations.principal_for(user, row) is None:
            claims._set_assignee(row, expected=user.id, new=None)
            claims._record("task_unclaimed", actor, row, before=user.username, after=None)
            released += 1
    return released

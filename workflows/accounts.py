"""User accounts: create users with roles and scope, check passwords, lock after failures."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from models import ROLES, Bank, Township, User, UserRole, db

from . import audit, clock
from .audit import SYSTEM, Actor
from .errors import FormInvalidError, NotFoundError
from .tasks import claims
from .unit_of_work import unit_of_work

MIN_PASSWORD_LENGTH = 8
PASSWORD_HASH_METHOD = "scrypt"  # the test suite lowers the cost


def create_user(username: str, password: str, roles: list[str], *, display_name: str | None = None,
                township: str | None = None, bank: str | None = None, actor: Actor = SYSTEM) -> User:
    """Add a user (in the caller's transaction). Township clerks need a township, bank staff a bank."""
    problems = _problems(username, password, roles, township, bank)
    if problems:
        raise FormInvalidError(problems)
    user = User(
        username=username, display_name=display_name or username,
        password_hash=generate_password_hash(password, method=PASSWORD_HASH_METHOD),
        township=db.session.scalars(sa.select(Township).where(Township.code == township)).first() if township else None,
        bank=db.session.scalars(sa.select(Bank).where(Bank.code == bank)).first() if bank else None,
        role_rows=[UserRole(role=r) for r in roles],
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", actor, after={"username": username, "roles": roles, "township": township,
                                               "bank": bank})
    return user


@unit_of_work
def deactivate(username: str, actor: Actor = SYSTEM) -> int:
    """停用账号: the user can no longer sign in or act; their claimed tasks go back to their role's pool.

    Returns how many claimed tasks were released."""
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        raise NotFoundError(f"user {username}")
    released = claims.release_claims_of(actor, user) if user.is_active else 0
    if user.is_active:
        user.is_active = False
        audit.record("user_deactivated", actor, after={"username": username, "released_tasks": released})
    return released


def _problems(username, password, roles, township, bank) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if db.session.scalars(sa.select(User.id).where(User.username == username)).first():
        problems["username"] = ["already taken"]
    if len(password) < MIN_PASSWORD_LENGTH:
        problems["password"] = [f"at least {MIN_PASSWORD_LENGTH} characters"]
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        problems["role"] = [f"unknown role(s): {', '.join(unknown)}" if unknown else "at least one role"]
    if "township_clerk" in roles and not _exists(Township, township):
        problems["township"] = ["a township clerk needs a known township code"]
    if {"bank_officer", "bank_approver"} & set(roles) and not _exists(Bank, bank):
        problems["bank"] = ["bank staff need a known bank code"]
    return problems


def _exists(model, code: str | None) -> bool:
    return bool(code) and db.session.scalars(sa.select(model.id).where(model.code == code)).first() is not None


def authenticate(username: str, password: str, *, failures_before_lock: int, lock_period: timedelta) -> User | None:
    """The user if the password matches and the account is not locked; counts failures (caller commits)."""
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    now = clock.now()
    if user is None or not user.is_active:
        return None
    if user.locked_until and user.locked_until > now:
        return None
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= failures_before_lock:
            user.locked_until, user.failed_logins = now + lock_period, 0
        return None
    user.failed_logins, user.locked_until = 0, None
    return user

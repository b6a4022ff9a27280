"""User accounts: create users with roles and scope, check sign-ins against a throttle shared by every
worker, change passwords, end sessions, deactivate.

Sign-in throttle (docs/security.md): failures are rows of ``sign_in_attempts``, so every worker
counts the same. Within ``SignInLimits.period``: ``per_address`` failures from one address refuse
that address for every name (HTTP 429); ``per_account`` failures of one name from one address lock
that pair; ``per_account`` failures of one name from anywhere lock the name for addresses that have
not signed in to it within ``familiar_for``. One address can thus never lock a user out of the
addresses they use, and guesses spread over many addresses still stop after ``per_account``.
The throttle counts wall time (``clock.wall_now``), never the business date.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.security import check_password_hash, generate_password_hash

from models import ROLES, ApiToken, Bank, SignInAttempt, Township, User, UserRole, db

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


# built once (every page request loads its user: 0.34 -> 0.18 ms, most of it the statement's cache key)
_USER_WITH_ROLES = (sa.select(User).where(User.id == sa.bindparam("user_id")).options(so.joinedload(User.role_rows))
                    .execution_options(populate_existing=True))


@unit_of_work
def user_with_roles(user_id: int) -> User | None:
    """The user, fresh from the database with their roles, in one statement (every page request loads it)."""
    return db.session.scalars(_USER_WITH_ROLES, {"user_id": user_id}).unique().first()


def deactivate(username: str, actor: Actor = SYSTEM) -> int:
    """停用账号: the user can no longer sign in or act; their claimed tasks go back to their role's pool.

    Returns how many claimed tasks were released."""
    user = db.session.scalars(sa.select(User).where(User.username == username)).first()
    if user is None:
        raise NotFoundError(f"user {username}")
    released = claims.release_claims_of(actor, user) if user.is_active else 0
    if user.is_active:
        user.is_active = False
        _end_sessions(user, revoke_tokens=True)
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


@dataclass(frozen=True)
class SignInLimits:
    """How the sign-in throttle counts; the web layer builds it from the configuration."""

    per_address: int = 20
    per_account: int = 5
    period: timedelta = timedelta(minutes=15)
    familiar_for: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class SignIn:
    """The answer to a sign-in: ``signed_in`` (with the user), ``refused``, ``locked`` or ``throttled``."""

    outcome: Literal["signed_in", "refused", "locked", "throttled"]
    user: User | None = None


@dataclass(frozen=True)
class _Failures:
    address: int
    pair: int
    account: int
    familiar: bool

    def locked(self, limits: SignInLimits, plus: int = 0) -> bool:
        return (self.pair + plus >= limits.per_account
                or (self.account + plus >= limits.per_account and not self.familiar))


def check_sign_in(username: str, password: str, ip_address: str | None, limits: SignInLimits) -> SignIn:
    """Check a sign-in and record the attempt (in the caller's transaction).

    Every answer but ``throttled`` costs exactly one password hash check, against a dummy hash for
    unknown, inactive and locked names, so the time taken does not tell them apart.
    """
    username = username.replace("\x00", "")  # PostgreSQL text refuses NUL; no user name holds one
    name, address, now = username.casefold()[:64], (ip_address or "-")[:45], clock.wall_now()
    failures = _failures(name, address, now, limits)
    if failures.address >= limits.per_address:
        return SignIn("throttled")
    user = db.session.scalars(sa.select(User).where(User.username == username, User.is_active)).first()
    locked = failures.locked(limits)
    usable = user is not None and not locked
    if check_password_hash(user.password_hash if usable else _dummy_hash(), password) and usable:
        _record(name, address, now, limits, succeeded=True)
        return SignIn("signed_in", user)
    _record(name, address, now, limits, succeeded=False)
    audit.record("login_failed", Actor(None, None, ip_address), comment=username[:64])
    if user is not None and failures.account + 1 >= limits.per_account:
        user.locked_until = now + limits.period
    return SignIn("locked" if failures.locked(limits, plus=1) else "refused")


def authenticate(username: str, password: str, *, failures_before_lock: int, lock_period: timedelta,
                 ip_address: str | None = None) -> User | None:
    """The user if ``check_sign_in`` lets them in, else None (caller commits)."""
    limits = SignInLimits(per_account=failures_before_lock, period=lock_period)
    return check_sign_in(username, password, ip_address, limits).user


@unit_of_work
def sign_in(username: str, password: str, ip_address: str | None, limits: SignInLimits) -> SignIn:
    """登录 to the pages: check and record the attempt, audit a success; commits either way."""
    checked = check_sign_in(username, password, ip_address, limits)
    if checked.user is not None:
        audit.record("login", Actor(checked.user, None, ip_address))
    return checked


@unit_of_work
def sign_out(actor: Actor) -> None:
    """退出: every page session of the user ends, on every worker; API tokens stay."""
    _end_sessions(actor.user, revoke_tokens=False)
    audit.record("logout", actor)


def change_password(user: User, old: str, new: str, *, ip_address: str | None = None,
                    limits: SignInLimits = SignInLimits()) -> int:
    """修改密码: the current password is checked like a sign-in (a wrong one counts toward the locks);
    then every page session and API token of the user ends. Returns the new session generation, for
    the session that asked to go on. Bad input → ``FormInvalidError`` with codes per field."""
    problems = _new_password_problems(old, new)
    if problems:
        raise FormInvalidError(problems)
    checked = check_sign_in(user.username, old, ip_address, limits)
    if checked.outcome != "signed_in":
        db.session.commit()  # the failed check must count, on every worker
        code = "wrong_password" if checked.outcome == "refused" else "too_many_attempts"
        raise FormInvalidError({"old_password": [code]})
    user.password_hash = generate_password_hash(new, method=PASSWORD_HASH_METHOD)
    user.must_change_password = False  # a temporary password from an administrator's reset is used up
    _end_sessions(user, revoke_tokens=True)
    audit.record("password_changed", Actor(user, None, ip_address))
    db.session.commit()
    return user.session_generation


def _new_password_problems(old: str, new: str) -> dict[str, list[str]]:
    if len(new) < MIN_PASSWORD_LENGTH:
        return {"new_password": ["too_short"]}
    return {"new_password": ["same_as_old"]} if new == old else {}


def _end_sessions(user: User, *, revoke_tokens: bool) -> None:
    """Raise the user's session generation (in SQL, so two workers never write the same value)."""
    user.session_generation = User.session_generation + 1
    if revoke_tokens:
        db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.flush()


def _failures(name: str, address: str, now: datetime, limits: SignInLimits) -> _Failures:
    """Failures within the period: from ``address``, of ``name`` from it since its last success there, of ``name``."""
    here, named, at = SignInAttempt.ip_address == address, SignInAttempt.username == name, SignInAttempt.occurred_at
    last_success = db.session.scalar(sa.select(sa.func.max(at)).where(
        SignInAttempt.succeeded, here, named, at > now - limits.familiar_for))
    since = now - limits.period
    pair_since = max(since, last_success) if last_success is not None else since
    counts = db.session.execute(sa.select(_count(here), _count(here & named & (at > pair_since)), _count(named))
                                .where(SignInAttempt.succeeded.is_(False), at > since, here | named)).one()
    return _Failures(*(n or 0 for n in counts), familiar=last_success is not None)


def _count(condition):
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _record(name: str, address: str, now: datetime, limits: SignInLimits, *, succeeded: bool) -> None:
    """Add the attempt; delete the rows no count reads any more (failures past the period, old successes)."""
    at = SignInAttempt.occurred_at
    db.session.execute(sa.delete(SignInAttempt).where(
        (at <= now - limits.familiar_for) | (SignInAttempt.succeeded.is_(False) & (at <= now - limits.period))))
    db.session.add(SignInAttempt(occurred_at=now, ip_address=address, username=name, succeeded=succeeded))


_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of a random secret made the way real ones are, so checking it costs the same."""
    if PASSWORD_HASH_METHOD not in _dummy_hashes:
        _dummy_hashes[PASSWORD_HASH_METHOD] = generate_password_hash(secrets.token_urlsafe(16),
                                                                     method=PASSWORD_HASH_METHOD)
    return _dummy_hashes[PASSWORD_HASH_METHOD]

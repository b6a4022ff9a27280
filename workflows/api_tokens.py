"""Bearer tokens for the JSON API (接口令牌): issue, look up, revoke.

The token is shown once, to the client that signed in; only its SHA-256 is stored, so a copy of
the database does not let anyone call the API. Lifetimes come from the caller (the web layer reads
``API_TOKEN_LIFETIME`` from the configuration). Expiry is wall time (``clock.wall_now``): moving the
business date never revives nor ends a token.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import ApiToken, User, db

from . import accounts, audit, clock
from .audit import Actor
from .permissions import acting_role
from .unit_of_work import unit_of_work

TOKEN_BYTES = 32


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(user: User, lifetime: timedelta, ip_address: str | None = None) -> tuple[str, datetime]:
    """A new token for ``user`` and the instant it expires (in the caller's transaction)."""
    issued_at = clock.wall_now()
    token, expires_at = secrets.token_urlsafe(TOKEN_BYTES), issued_at + lifetime
    db.session.add(ApiToken(token_hash=digest(token), user_id=user.id, created_at=issued_at, expires_at=expires_at))
    audit.record("api_token_issued", Actor(user, acting_role(user), ip_address),
                 after={"expires_at": expires_at})
    return token, expires_at


@dataclass(frozen=True)
class TokenSignIn:
    """The answer to a token request: the outcome of ``accounts.check_sign_in`` and, when signed in, the token."""

    outcome: str
    token: str | None = None
    expires_at: datetime | None = None


@unit_of_work
def sign_in(username: str, password: str, *, lifetime: timedelta, limits: accounts.SignInLimits,
            ip_address: str | None = None) -> TokenSignIn:
    """Check the credentials through the sign-in throttle the login page uses and issue a token.

    The attempt is recorded and committed whatever the outcome.
    """
    checked = accounts.check_sign_in(username, password, ip_address, limits)
    if checked.user is None:
        return TokenSignIn(checked.outcome)
    return TokenSignIn(checked.outcome, *issue(checked.user, lifetime, ip_address))


# one statement, built once: the token, its user and the user's roles (authentication is on every API
# request; building it afresh, loader options and all, cost as much as running it: 0.39 -> 0.21 ms)
_LIVE_TOKEN = (sa.select(ApiToken).join(ApiToken.user).where(ApiToken.token_hash == sa.bindparam("token_hash"))
               .options(so.contains_eager(ApiToken.user).joinedload(User.role_rows)))


def _live_token(token: str | None) -> ApiToken | None:
    if not token:
        return None
    row = db.session.scalars(_LIVE_TOKEN, {"token_hash": digest(token)}).unique().first()
    if row is None or row.expires_at <= clock.wall_now() or not row.user.is_active:
        return None
    return row


def user_for(token: str | None) -> User | None:
    """The active user a live token belongs to, or ``None`` (unknown, expired, revoked)."""
    row = _live_token(token)
    return row.user if row is not None else None


@unit_of_work
def revoke(token: str) -> bool:
    """Delete the token; ``True`` if it existed."""
    return bool(db.session.execute(sa.delete(ApiToken).where(ApiToken.token_hash == digest(token))).rowcount)


@unit_of_work
def purge_expired() -> int:
    """Delete tokens past their expiry (for a periodic job)."""
    return db.session.execute(sa.delete(ApiToken).where(ApiToken.expires_at <= clock.wall_now())).rowcount

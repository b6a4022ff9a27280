"""Sign-in attempts (登录尝试): the shared memory of the sign-in throttle, read by every worker."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, UtcDateTime


class SignInAttempt(Base):
    """One sign-in attempt through the page or the API: who was named, from where, and whether it succeeded.

    ``username`` is the name as typed (case-folded), unknown names included, so the throttle treats
    every name alike. Failures are kept for the throttle's period, successes for as long as they make
    an address familiar to the account; older rows are deleted as new ones arrive.
    """

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        sa.Index("ix_sign_in_attempts_address_at", "ip_address", "occurred_at"),
        sa.Index("ix_sign_in_attempts_username_at", "username", "occurred_at"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    occurred_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, index=True)
    ip_address: so.Mapped[str] = so.mapped_column(sa.String(45))
    username: so.Mapped[str] = so.mapped_column(sa.String(64))
    succeeded: so.Mapped[bool] = so.mapped_column(default=False)

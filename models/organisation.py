"""Townships, villages, banks and the people who use the system."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, UtcDateTime, utcnow

ROLES = (
    "township_clerk",  # 镇乡街道经办人
    "rural_bureau",  # 区乡村振兴局
    "bank_officer",  # 承贷银行客户经理
    "bank_approver",  # 承贷银行审批人
    "finance_bureau",  # 区财政局
    "supervisor",  # 区金融事务中心 / 区银保监组
    "admin",  # 系统管理员
)


class Township(Base):
    """镇乡街道: a township, town or sub-district office of the district."""

    __tablename__ = "townships"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64))
    villages: so.Mapped[list[Village]] = so.relationship(back_populates="township", order_by="Village.code")


class Village(Base):
    """村/社区: a village or community within a township."""

    __tablename__ = "villages"
    __table_args__ = (sa.UniqueConstraint("township_id", "code"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # no index of its own: the composite index it leads serves its lookups
    township_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("townships.id"))
    code: so.Mapped[str] = so.mapped_column(sa.String(32))
    name: so.Mapped[str] = so.mapped_column(sa.String(64))
    township: so.Mapped[Township] = so.relationship(back_populates="villages")


class Bank(Base):
    """承贷银行: a partner bank that lends under the scheme."""

    __tablename__ = "banks"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64))


class User(Base):
    """A person who signs in: a clerk, officer, bureau staff member, supervisor or administrator.

    Scope: a township clerk has a township, bank staff have a bank; district roles have neither.
    """

    __tablename__ = "users"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(64))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    township_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("townships.id"))
    bank_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("banks.id"))
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    # Until when sign-ins from addresses unfamiliar to the account are refused (the decision itself
    # is made from sign_in_attempts; this column shows the latest lock).
    locked_until: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    # Raised on sign-out, password change and deactivation: page sessions stamped with an older
    # value are no longer accepted, on every worker.
    session_generation: so.Mapped[int] = so.mapped_column(default=0, server_default=sa.text("0"))
    # Set by an administrator's password reset: the next sign-in must choose a new password first.
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    township: so.Mapped[Township | None] = so.relationship()
    bank: so.Mapped[Bank | None] = so.relationship()
    role_rows: so.Mapped[list[UserRole]] = so.relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    is_authenticated = True  # read by Flask-Login
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(Base):
    """One role held by a user (a user may hold several, e.g. officer at one time, approver later)."""

    __tablename__ = "user_roles"
    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(ROLES), name="known_role"),)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    user: so.Mapped[User] = so.relationship(back_populates="role_rows")


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime)
    user: so.Mapped[User] = so.relationship()

"""The business clock (业务日期): one row holding the date the whole application works on, if set."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, UtcDateTime


class BusinessClock(Base):
    """The single row (``id`` 1) of the stored business date.

    ``business_date`` null: the application works on the wall clock's date. ``settable``: this is a
    demo or test database (``seed-demo`` marks it), so an administrator may set the date; elsewhere
    only the ``BUSINESS_DATE_SETTABLE`` setting allows it. ``changed_at`` is wall time.
    """

    __tablename__ = "business_clock"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    business_date: so.Mapped[date | None] = so.mapped_column(sa.Date)
    settable: so.Mapped[bool] = so.mapped_column(default=False)
    changed_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    changed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

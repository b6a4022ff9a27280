"""The household list (脱贫人口 / 边缘易致贫户) kept by the rural-revitalisation bureau."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, UtcDateTime, utcnow
from .organisation import Township, Village

CATEGORIES = ("poverty_lifted", "marginal")  # 脱贫户, 边缘易致贫户


class Household(Base):
    """A registered household (以户为单位), known by the resident ID of its head.

    ``removed`` marks a household taken off the list; ``dishonest`` puts it on the
    dishonest-debtor list (失信债务人名单) after malicious default.
    """

    __tablename__ = "households"
    __table_args__ = (
        sa.CheckConstraint(sa.column("category").in_(CATEGORIES), name="known_category"),
        # search (检索): a name by its start. The last four characters of the resident ID (what the mask
        # shows) have an expression index on PostgreSQL only, ix_households_id_tail on substr(id_number, 15),
        # made by migration c3d4e5f6a7b8: SQLite cannot reflect one, so it is not declared here.
        sa.Index("ix_households_name_prefix", "name", postgresql_ops={"name": "text_pattern_ops"}),
        sa.Index("ix_households_township_order", "township_id", "id"),  # 应贷未贷 page by page
        # the few households taken off the list, for reports that leave them out (户贷率)
        sa.Index("ix_households_removed", "id", sqlite_where=sa.text("removed"), postgresql_where=sa.text("removed")),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    id_number: so.Mapped[str] = so.mapped_column(sa.String(18), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    # no index of its own: the composite index it leads serves its lookups
    township_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("townships.id"))
    village_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("villages.id"))
    category: so.Mapped[str] = so.mapped_column(sa.String(16))
    removed: so.Mapped[bool] = so.mapped_column(default=False)
    removed_reason: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    dishonest: so.Mapped[bool] = so.mapped_column(default=False)
    dishonest_reason: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    township: so.Mapped[Township] = so.relationship()
    village: so.Mapped[Village | None] = so.relationship()


# the partial index ix_households_removed's condition, literally: ``removed IS true`` or ``removed = 1``
# (what the column renders as) would not match it, and the planner would read every household
IS_REMOVED = sa.literal_column("households.removed")

"""Read-only views of campaigns and ratings for pages and the API (进度, 评级清单)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlalchemy as sa

from models import Household, User, Village, db
from models.credit import CreditCampaign, CreditRating, RosterEntry

from .. import keyset
from ..permissions import BANK_ROLES
from .campaigns import count_ratings

DISTRICT = frozenset({"rural_bureau", "supervisor", "admin", "finance_bureau"})
RATINGS_PER_PAGE = 100
RATINGS_KEY = keyset.Key("household", CreditRating.household_id, CreditRating.id, parse=int)


@dataclass(frozen=True)
class Progress:
    """A campaign's progress: roster size (included), left out, rated, approved."""

    roster: int
    excluded: int
    rated: int
    approved: int

    def as_dict(self) -> dict:
        return asdict(self)


def progress(campaign: CreditCampaign) -> Progress:
    counts = dict(db.session.execute(sa.select(RosterEntry.included, sa.func.count()).where(
        RosterEntry.campaign_id == campaign.id).group_by(RosterEntry.included)).all())
    return Progress(counts.get(True, 0), counts.get(False, 0), count_ratings(campaign.id),
                    count_ratings(campaign.id, "approved"))


def campaigns_for(user: User) -> list[CreditCampaign]:
    """The campaigns ``user`` may see, newest first."""
    query = sa.select(CreditCampaign).order_by(CreditCampaign.id.desc())
    if not user.roles & DISTRICT:
        scopes = []
        if "township_clerk" in user.roles and user.township_id:
            scopes.append(CreditCampaign.township_id == user.township_id)
        if user.roles & BANK_ROLES and user.bank_id:
            scopes.append(CreditCampaign.bank_id == user.bank_id)
        if not scopes:
            return []
        query = query.where(sa.or_(*scopes))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class RosterRow:
    """One row of the bulk page: the household, whether it is included (or why not), and its rating."""

    household_id: int
    name: str
    village: str | None
    included: bool
    exclusion_reason: str | None
    rating: CreditRating | None


def roster_rows(campaign: CreditCampaign, offset: int = 0, limit: int | None = None) -> list[RosterRow]:
    """The roster in village order, with each household's rating of this campaign (one query)."""
    query = (sa.select(RosterEntry, Household, Village.name, CreditRating)
             .join(Household, Household.id == RosterEntry.household_id)
             .outerjoin(Village, Village.id == Household.village_id)
             .outerjoin(CreditRating, sa.and_(CreditRating.campaign_id == RosterEntry.campaign_id,
                                              CreditRating.household_id == RosterEntry.household_id))
             .where(RosterEntry.campaign_id == campaign.id)
             .order_by(RosterEntry.included.desc(), Household.village_id, Household.id).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return [RosterRow(entry.household_id, household.name, village, entry.included, entry.exclusion_reason, rating)
            for entry, household, village, rating in db.session.execute(query)]


def ratings_page(campaign: CreditCampaign, cursor: str | None = None, limit: int | None = None, *,
                 offset: int = 0) -> keyset.KeysetPage:
    """One page of the campaign's ratings by household (a rating per roster household: as many as the
    township has), from ``cursor`` (``keyset.read_cursor``) or, without one, ``offset`` rows in."""
    query = sa.select(CreditRating).where(CreditRating.campaign_id == campaign.id)
    return keyset.page(query, RATINGS_KEY, keyset.read_cursor(cursor, RATINGS_KEY), limit or RATINGS_PER_PAGE,
                       execute=lambda statement: list(db.session.scalars(statement)), offset=offset,
                       value_of=lambda rating: rating.household_id, id_of=lambda rating: rating.id)

"""Drive a rating campaign: households of one village, the campaign opened, rated and approved."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from models import Household, HumanTask, Township, Village, db
from models.credit import CreditCampaign
from workflows import accounts, resident_id
from workflows.credit_rating import campaigns, ratings
from workflows.tasks import service

from tests.factories import PASSWORD, World

_numbers = iter(range(10 ** 6))


def village(code: str = "hanfeng_1") -> Village:
    return db.session.scalars(sa.select(Village).where(Village.code == code)).one()


def _id_number(n: int) -> str:
    """Distinct valid resident IDs: 900 sequence numbers per birth day from 1975 on."""
    return resident_id.compose("500234", date(1975, 1, 1) + timedelta(days=n // 900), 100 + n % 900)


def households_in(place: Village, count: int, **columns) -> list[Household]:
    township = db.session.get(Township, place.township_id)
    rows = [Household(id_number=_id_number(next(_numbers)),
                      name=f"农户{i + 1}", township=township, village=place, category="poverty_lifted", **columns)
            for i in range(count)]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def dual_user(world: World) -> str:
    """A bank employee holding both officer and approver roles (four eyes is per row)."""
    world.users["dual_rcb"] = accounts.create_user("dual_rcb", PASSWORD, ["bank_officer", "bank_approver"],
                                                   bank="cqrcb")
    db.session.commit()
    return "dual_rcb"


def task(campaign: CreditCampaign, name: str) -> HumanTask:
    return db.session.scalars(sa.select(HumanTask).where(
        HumanTask.process_instance_id == campaign.process_instance_id, HumanTask.name == name,
        HumanTask.state == "ready")).one()


def opened(world: World, place: Village | None = None, officer: str = "officer_rcb") -> CreditCampaign:
    place = place or village()
    return campaigns.open_campaign(world.actor(officer), place.township_id, [place.id])


def confirmed(world: World, campaign: CreditCampaign) -> CreditCampaign:
    service.complete_task(world.actor("clerk_hanfeng"), task(campaign, "confirm_roster").id,
                          {"roster_confirmed": True, "comment": None})
    return campaign


def rows_for(households: list[Household], grade: str = "AAA", line: str = "50000") -> list[dict]:
    return [{"household_id": h.id, "grade": grade, "credit_line": line} for h in households]


def rated(world: World, campaign: CreditCampaign, households: list[Household], officer: str = "officer_rcb",
          grade: str = "AAA", line: str = "50000") -> CreditCampaign:
    outcome = ratings.save(world.actor(officer), campaign.id, rows_for(households, grade, line))
    assert not outcome.refused, outcome.refused
    service.complete_task(world.actor(officer), task(campaign, "rate_households").id, {"comment": None})
    return campaign


def approved(world: World, campaign: CreditCampaign, approver: str = "approver_rcb") -> CreditCampaign:
    outcome = ratings.approve(world.actor(approver), campaign.id)
    assert not outcome.refused, outcome.refused
    service.complete_task(world.actor(approver), task(campaign, "approve_ratings").id, {"comment": None})
    return campaign


def published(world: World, campaign: CreditCampaign, officer: str = "officer_rcb") -> CreditCampaign:
    service.complete_task(world.actor(officer), task(campaign, "publish_ratings").id, {"comment": None})
    return campaign


def valid_campaign(world: World, households: list[Household]) -> CreditCampaign:
    """Opened, confirmed, rated AAA / 50,000 by officer_rcb, approved by approver_rcb, published."""
    campaign = opened(world, db.session.get(Village, households[0].village_id))
    return published(world, approved(world, rated(world, confirmed(world, campaign), households)))


LINE_A = Decimal("30000.00")


def campaigns_by_id(campaign_id: int) -> CreditCampaign:
    return db.session.get(CreditCampaign, campaign_id)

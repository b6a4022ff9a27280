"""What the credit pages show (信用地图, 农户评级记录): the credit map of a township, open campaign
tasks, a household's ratings and designations, each behind its scope check."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from models import Household, HumanTask, Township, User, db
from models.credit import CreditCampaign, CreditDesignation

from ..errors import ForbiddenError, NotFoundError
from ..permissions import BANK_ROLES
from . import rules

DISTRICT = frozenset({"rural_bureau", "supervisor", "admin", "finance_bureau"})


def open_tasks(campaign: CreditCampaign) -> list[HumanTask]:
    return list(db.session.scalars(sa.select(HumanTask).where(
        HumanTask.process_instance_id == campaign.process_instance_id, HumanTask.state == "ready")))


def may_approve(user: User, campaign: CreditCampaign) -> bool:
    return user.has_role("bank_approver") and user.bank_id == campaign.bank_id and campaign.status == "approval"


def _may_see_township(user: User, township_id: int) -> bool:
    if user.roles & DISTRICT or user.roles & BANK_ROLES:
        return True
    return "township_clerk" in user.roles and user.township_id == township_id


@dataclass(frozen=True)
class CreditMap:
    """A township's villages as the rules find them on ``day``, beside what the bureau published."""

    township: Township
    day: date
    town: rules.TownResult
    published: dict[tuple[str, int], CreditDesignation]

    def designated(self, kind: str, subject_id: int) -> CreditDesignation | None:
        return self.published.get((kind, subject_id))


def credit_map(user: User, township_id: int, day: date) -> CreditMap:
    township = db.session.get(Township, township_id)
    if township is None:
        raise NotFoundError(f"township {township_id}")
    if not _may_see_township(user, township_id):
        raise ForbiddenError("this township is not in your scope")
    rows = db.session.scalars(sa.select(CreditDesignation).where(
        CreditDesignation.township_id == township_id, CreditDesignation.kind.in_(("village", "town")),
        CreditDesignation.status == "published").order_by(CreditDesignation.id))
    return CreditMap(township, day, rules.town_result(township_id, day), {(r.kind, r.subject_id): r for r in rows})


def chart(result: CreditMap) -> dict:
    """Chart.js data: the share of credit households per village (percent)."""
    return {"labels": [v.name for v in result.town.villages],
            "data": [float(round(v.share * 100, 1)) for v in result.town.villages]}


def sheets(result: CreditMap) -> list:
    headers = ["村（社区）", "在册户数", "信用户数", "信用户占比", "逾期率", "符合信用村条件", "已公布信用村"]
    rows = [(v.name, v.listed, len(v.credit_households), v.share, v.overdue_rate, "是" if v.passes else "否",
             "是" if result.designated("village", v.village_id) else "否") for v in result.town.villages]
    town = [("镇乡街道", result.township.name), ("日期", result.day), ("信用村占比", result.town.share),
            ("符合信用镇条件", "是" if result.town.passes else "否"),
            ("已公布信用镇", "是" if result.designated("town", result.township.id) else "否")]
    return [("信用村", headers, rows), ("信用镇", ["项目", "值"], town)]


def household_for(user: User, household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    if household is None:
        raise NotFoundError(f"household {household_id}")
    if not _may_see_township(user, household.township_id):
        raise ForbiddenError("this household is not in your scope")
    return household


def household_designations(household_id: int) -> list[CreditDesignation]:
    return list(db.session.scalars(sa.select(CreditDesignation).where(
        CreditDesignation.kind == "household", CreditDesignation.subject_id == household_id)
        .order_by(CreditDesignation.id.desc())))


def township_designations(township_id: int) -> list[CreditDesignation]:
    return list(db.session.scalars(sa.select(CreditDesignation).where(
        CreditDesignation.township_id == township_id).order_by(CreditDesignation.id)))

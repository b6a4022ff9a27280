"""Open a rating campaign (开展评级授信), build its roster, and the steps of ``credit_rating_campaign``.

A bank officer opens a campaign for a township or some of its villages; the roster lists every
listed household of those villages, leaving out (with the reason) those on the dishonest-debtor list
and those removed from the list. The process then asks the township clerk to confirm the roster,
the officer to rate the households (bulk page), a bank approver to approve the ratings (four eyes
per row, ``ratings.approve``) and the officer to publish the results to the township. Each task's
step refuses to move on while the work it stands for is unfinished (``campaign_incomplete``).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from models import Household, User, Village, db
from models.credit import CreditCampaign, CreditRating, RosterEntry

from .. import audit, clock, instances, policy
from ..audit import Actor
from ..errors import ForbiddenError, NotFoundError, PolicyViolationError
from ..permissions import BANK_ROLES
from ..tasks import facts, steps
from ..unit_of_work import unit_of_work
from . import CAMPAIGN_PROCESS

VALIDITY_SETTING = "credit_rating_validity_months"


def exclusion_reason(household: Household) -> str | None:
    """Why a listed household is left out of a roster: dishonest debtor first, then removed from the list."""
    if household.dishonest:
        return "dishonest_debtor"
    if household.removed:
        return "removed_from_list"
    return None


def _check_villages(township_id: int, village_ids: list[int]) -> list[int]:
    known = set(db.session.scalars(sa.select(Village.id).where(Village.township_id == township_id)))
    wrong = [v for v in village_ids if v not in known]
    if wrong:
        raise PolicyViolationError(["invalid"], {"village_ids": ["not a village of this township"]})
    return sorted(set(village_ids))


def roster_households(township_id: int, village_ids: list[int]) -> list[Household]:
    query = sa.select(Household).where(Household.township_id == township_id)
    if village_ids:
        query = query.where(Household.village_id.in_(village_ids))
    return list(db.session.scalars(query.order_by(Household.village_id, Household.id)))


def default_valid_until(day: date) -> date:
    return day + relativedelta(months=int(policy.setting(VALIDITY_SETTING, day)))


@unit_of_work
def open_campaign(actor: Actor, township_id: int, village_ids: list[int] | None = None,
                  valid_until: date | None = None) -> CreditCampaign:
    """A bank officer opens a campaign of their bank: roster built, process started (one transaction)."""
    user = actor.user
    if user is None or not user.has_role("bank_officer") or user.bank_id is None:
        raise ForbiddenError("only a bank officer opens a rating campaign")
    today = clock.today()
    villages = _check_villages(township_id, list(village_ids or []))
    if valid_until is not None and valid_until <= today:
        raise PolicyViolationError(["invalid"], {"valid_until": ["must be after today"]})
    campaign = CreditCampaign(bank_id=user.bank_id, township_id=township_id, village_ids=villages, status="roster",
                              opened_by_id=user.id, opened_on=today,
                              valid_until=valid_until or default_valid_until(today))
    db.session.add(campaign)
    db.session.flush()
    for household in roster_households(township_id, villages):
        reason = exclusion_reason(household)
        db.session.add(RosterEntry(campaign_id=campaign.id, household_id=household.id, included=reason is None,
                                   exclusion_reason=reason))
    loaded = instances.start(CAMPAIGN_PROCESS, None, {"campaign_id": campaign.id}, township_id=township_id,
                             bank_id=user.bank_id)
    instances.save(loaded)
    instances.settle(loaded, None)
    campaign.process_instance_id = loaded.row.id
    audit.record("credit_campaign_opened", Actor(user, "bank_officer", actor.ip_address), township_id=township_id,
                 bank_id=user.bank_id, process_instance_id=loaded.row.id,
                 after={"campaign_id": campaign.id, "village_ids": villages,
                        "valid_until": campaign.valid_until.isoformat()})
    return campaign


def campaign_for(user: User, campaign_id: int) -> CreditCampaign:
    """The campaign if ``user`` may see it: its bank's staff, its township's clerks, district roles."""
    campaign = db.session.get(CreditCampaign, campaign_id)
    if campaign is None:
        raise NotFoundError(f"campaign {campaign_id}")
    if not may_view(user, campaign):
        raise ForbiddenError("this campaign is not in your scope")
    return campaign


def may_view(user: User, campaign: CreditCampaign) -> bool:
    if not user.is_active:
        return False
    if user.roles & {"rural_bureau", "supervisor", "admin", "finance_bureau"}:
        return True
    if "township_clerk" in user.roles and user.township_id == campaign.township_id:
        return True
    return bool(user.roles & BANK_ROLES) and user.bank_id == campaign.bank_id


def included_ids(campaign_id: int):
    return sa.select(RosterEntry.household_id).where(RosterEntry.campaign_id == campaign_id,
                                                     RosterEntry.included.is_(True))


def count_ratings(campaign_id: int, *statuses: str) -> int:
    query = sa.select(sa.func.count()).select_from(CreditRating).where(CreditRating.campaign_id == campaign_id)
    if statuses:
        query = query.where(CreditRating.status.in_(statuses))
    return db.session.scalar(query)


def locked(campaign_id: int) -> CreditCampaign | None:
    """The campaign with its row locked until commit (PostgreSQL): saves, approvals and the steps
    that count them follow one another, so two officers never insert the same household's rating."""
    return db.session.scalars(sa.select(CreditCampaign).where(CreditCampaign.id == campaign_id)
                              .with_for_update().execution_options(populate_existing=True)).first()


def _campaign(ctx: steps.StepContext) -> CreditCampaign:
    return locked(ctx.task_data["campaign_id"])


def _incomplete(field: str) -> PolicyViolationError:
    return PolicyViolationError(["campaign_incomplete"], {field: ["campaign_incomplete"]})


@steps.register(CAMPAIGN_PROCESS, "confirm_roster")
def confirm_roster(ctx: steps.StepContext) -> None:
    """核对花名册: the clerk confirms the roster; rating may start."""
    campaign = _campaign(ctx)
    campaign.status = "rating"


@steps.register(CAMPAIGN_PROCESS, "rate_households")
def rate_households(ctx: steps.StepContext) -> None:
    """逐户评级: every household on the roster has a rating before approval starts."""
    campaign = _campaign(ctx)
    roster = db.session.scalar(sa.select(sa.func.count()).select_from(included_ids(campaign.id).subquery()))
    if count_ratings(campaign.id) < roster:
        raise _incomplete("rated")
    campaign.status = "approval"


@steps.register(CAMPAIGN_PROCESS, "approve_ratings")
def approve_ratings(ctx: steps.StepContext) -> None:
    """审批评级: no rating of the campaign is left unapproved."""
    campaign = _campaign(ctx)
    if count_ratings(campaign.id, "proposed"):
        raise _incomplete("approved")
    campaign.status = "publishing"


@steps.register(CAMPAIGN_PROCESS, "publish_ratings")
def publish_ratings(ctx: steps.StepContext) -> None:
    """公示结果: the results go to the township; the approved ratings are in force from now."""
    campaign = _campaign(ctx)
    campaign.status, campaign.published_on = "published", clock.today()


@facts.register(CAMPAIGN_PROCESS)
def campaign_facts(row, instance, loan) -> tuple[str, dict]:
    """The task panel: the campaign and its progress (roster, left out, rated, approved)."""
    from .queries import progress  # queries reads this module's helpers

    campaign = db.session.scalars(sa.select(CreditCampaign).where(
        CreditCampaign.process_instance_id == instance.id)).first()
    return "credit", {"campaign": campaign, "progress": progress(campaign) if campaign else None}

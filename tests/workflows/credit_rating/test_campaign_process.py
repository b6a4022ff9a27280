"""A rating campaign from opening to publication: the roster, the inboxes, the steps that refuse to move on."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AuditEvent, HumanTask, db
from models.credit import CreditRating, RosterEntry
from workflows.credit_rating import campaigns, ratings
from workflows.errors import ForbiddenError, PolicyViolationError
from workflows.tasks import inbox, service

from . import factories as f


def test_the_roster_leaves_out_dishonest_and_removed_households_with_their_reason(world):
    place = f.village()
    fine = f.households_in(place, 3)
    dishonest = f.households_in(place, 1, dishonest=True, dishonest_reason="恶意逃债")[0]
    removed = f.households_in(place, 1, removed=True, removed_reason="主观恶意")[0]
    campaign = f.opened(world, place)
    entries = {e.household_id: e for e in db.session.scalars(sa.select(RosterEntry).filter_by(campaign_id=campaign.id))}
    assert {h.id for h in fine} == {k for k, e in entries.items() if e.included}
    assert entries[dishonest.id].exclusion_reason == "dishonest_debtor" and not entries[dishonest.id].included
    assert entries[removed.id].exclusion_reason == "removed_from_list"
    assert campaign.bank_id == world.users["officer_rcb"].bank_id and campaign.status == "roster"


def test_each_task_lands_in_the_inbox_of_the_campaigns_township_and_bank(world):
    households = f.households_in(f.village(), 2)
    campaign = f.opened(world)
    row = f.task(campaign, "confirm_roster")
    assert (row.role, row.township_id, row.bank_id) == ("township_clerk", campaign.township_id, campaign.bank_id)
    assert inbox.counts_by_task(world.users["clerk_hanfeng"]) == {"confirm_roster": 1}
    assert inbox.counts_by_task(world.users["clerk_dade"]) == {}
    with pytest.raises(ForbiddenError):
        service.complete_task(world.actor("clerk_dade"), row.id, {"roster_confirmed": True})
    f.confirmed(world, campaign)
    assert f.task(campaign, "rate_households").role == "bank_officer"
    with pytest.raises(ForbiddenError):
        ratings.save(world.actor("officer_psbc"), campaign.id, f.rows_for(households))


def test_rating_is_not_finished_while_a_household_has_no_rating(world):
    households = f.households_in(f.village(), 3)
    campaign = f.confirmed(world, f.opened(world))
    ratings.save(world.actor("officer_rcb"), campaign.id, f.rows_for(households[:2]))
    with pytest.raises(PolicyViolationError) as refused:
        service.complete_task(world.actor("officer_rcb"), f.task(campaign, "rate_households").id, {})
    assert refused.value.codes == ("campaign_incomplete",)
    ratings.save(world.actor("officer2_rcb"), campaign.id, f.rows_for(households[2:]))
    service.complete_task(world.actor("officer_rcb"), f.task(campaign, "rate_households").id, {})
    assert campaign.status == "approval"


def test_a_campaign_runs_to_publication_and_every_rating_is_audited(world):
    households = f.households_in(f.village(), 4)
    campaign = f.valid_campaign(world, households)
    assert campaign.status == "published" and campaign.published_on is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditRating).filter_by(status="approved")) == 4
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("credit_rating_%"))).all()
    assert actions.count("credit_rating_saved") == 4 and actions.count("credit_rating_approved") == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).filter_by(
        process_instance_id=campaign.process_instance_id, state="ready")) == 0


def test_only_a_bank_officer_opens_a_campaign(world):
    with pytest.raises(ForbiddenError):
        campaigns.open_campaign(world.actor("clerk_hanfeng"), f.village().township_id, [])

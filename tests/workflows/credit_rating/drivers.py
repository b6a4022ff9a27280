"""Task drivers of the credit-rating diagrams for ``tests/factories_tasks.py`` (one per user task)."""
from __future__ import annotations

from workflows.credit_rating import designations, ratings

from . import factories as f


def _campaign(world, until: str):
    households = f.households_in(f.village(), 2)
    campaign = f.opened(world)
    if until == "confirm_roster":
        return campaign
    f.confirmed(world, campaign)
    ratings.save(world.actor("officer_rcb"), campaign.id, f.rows_for(households))
    if until == "rate_households":
        return campaign
    f.rated(world, campaign, [])
    if until == "approve_ratings":
        ratings.approve(world.actor("approver_rcb"), campaign.id)
        return campaign
    return f.approved(world, campaign)


def campaign_task(name: str):
    def reach(world):
        from tests.factories_tasks import Reached  # the driver table imports this module

        return Reached(f.task(_campaign(world, name), name))
    return reach


def review(world):
    from tests.factories_tasks import Reached

    designations.propose(world.actor("bureau"), f.village().township_id)
    return Reached(_review_task(f.village().township_id))


def _review_task(township_id: int):
    import sqlalchemy as sa

    from models import HumanTask, ProcessInstance, db

    return db.session.scalars(sa.select(HumanTask).join(ProcessInstance, ProcessInstance.id ==
                                                         HumanTask.process_instance_id).where(
        ProcessInstance.township_id == township_id, HumanTask.name == "review_designations",
        HumanTask.state == "ready")).one()


REACH = {name: campaign_task(name) for name in ("confirm_roster", "rate_households", "approve_ratings",
                                                "publish_ratings")} | {"review_designations": review}
ANSWERS = {
    "confirm_roster": lambda day: {"roster_confirmed": True, "comment": "已核对"},
    "rate_households": lambda day: {"comment": "已逐户评级"},
    "approve_ratings": lambda day: {"comment": "同意"},
    "publish_ratings": lambda day: {"comment": "已公示"},
    "review_designations": lambda day: {"decided_on": day, "comment": "同意"},
}

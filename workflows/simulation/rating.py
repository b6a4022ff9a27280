"""Rating campaigns in the simulated district (评级授信): once a year, before the application season.

On the first simulated day, and each January after, every township's serving bank (the banks take
the townships in turn) opens a campaign for a share of its villages through
``credit_rating.campaigns.open_campaign``, as the campaign page does. The campaign's tasks then come
through the inbox like any other (``work``): the clerk confirms the roster; on ``rate_households``
the bank's officers share the roster and rate it on the bulk service (``ratings.save``, a batch at a
time as the bulk page saves), grades by a seeded distribution and each grade's line from DMN
``credit_line`` (``lines.credit_line_for``); on ``approve_ratings`` an approver who rated none
approves them in bulk (``ratings.approve``); the officer publishes. The yearly designation proposal
and the daily revocation run in the timer sweep; the bureau's review is an ordinary task.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import GRADES, HumanTask, db
from models.credit import CreditCampaign, CreditRating, RosterEntry

from ..credit_rating import campaigns, ratings
from ..credit_rating.lines import credit_line_for
from ..errors import DomainError
from .decisions import Ctx
from .state import State

GRADE_WEIGHTS = {"AAA": 4, "AA": 3, "A": 2, "B": 1}  # a B household gets no line (DMN credit_line)
BATCH = 100  # rows per save: the bulk page saves as the officer goes
YEARLY_GAP = 180  # days: a January campaign only when the last one is older than this


def due(state: State, day: date) -> bool:
    last = state.last_campaign
    return last is None or (day.month == 1 and (day - last).days > YEARLY_GAP)


def run(state: State, day: date) -> None:
    """Open the year's campaigns when they are due: one per township, by its serving bank."""
    if not due(state, day):
        return
    state.last_campaign = day
    share, rng = state.settings.rated_village_share, state.decisions.rng
    banks = state.world.banks
    for index, township in enumerate(t for t in state.world.townships if t.villages):
        bank = banks[index % len(banks)]
        villages = sorted(v.id for v in township.villages)
        chosen = sorted(rng.sample(villages, max(1, round(len(villages) * share))))
        officer = state.world.staff.one("bank_officer", bank_id=bank.id)
        try:
            campaigns.open_campaign(officer, township.id, chosen)
        except DomainError as exc:
            state.tally.count("campaigns_refused", *sorted(getattr(exc, "codes", ()) or [type(exc).__name__])[:1])
            continue
        state.tally.count("campaigns_opened")


def campaign_of(row: HumanTask) -> CreditCampaign:
    return db.session.scalars(sa.select(CreditCampaign).where(
        CreditCampaign.process_instance_id == row.process_instance_id)).one()


def rate(state: State, ctx: Ctx) -> bool:
    """逐户评级授信: the bank's officers share the unrated roster and save it in batches; the task
    itself is then completed as any other (its step refuses while a household is unrated)."""
    campaign = campaign_of(ctx.row)
    rated = set(db.session.scalars(sa.select(CreditRating.household_id).where(
        CreditRating.campaign_id == campaign.id)))
    roster = [h for h in db.session.scalars(campaigns.included_ids(campaign.id).order_by(RosterEntry.household_id))
              if h not in rated]
    officers = state.world.staff.holders("bank_officer", None, campaign.bank_id)
    lines = {grade: credit_line_for(grade) for grade in GRADES}
    grades, weights = zip(*GRADE_WEIGHTS.items())
    rows = []
    for household_id in roster:
        grade = state.decisions.rng.choices(grades, weights)[0]
        rows.append({"household_id": household_id, "grade": grade, "credit_line": lines[grade]})
    for number, officer in enumerate(officers):
        mine = rows[number::len(officers)]
        for start in range(0, len(mine), BATCH):
            _save(state, officer, campaign.id, mine[start:start + BATCH])
    return False


def _save(state: State, officer, campaign_id: int, rows: list[dict]) -> None:
    try:
        outcome = ratings.save(state.world.staff.actor(officer), campaign_id, rows)
    except DomainError as exc:
        state.tally.count("ratings_refused", *sorted(getattr(exc, "codes", ()) or [type(exc).__name__])[:1])
        return
    grade_of = {row["household_id"]: row["grade"] for row in rows}
    for saved in outcome.done:
        state.tally.count("ratings_saved", grade_of[saved["household_id"]])
    for refused in outcome.refused:
        state.tally.count("ratings_refused", *refused["codes"][:1])


def approve(state: State, ctx: Ctx) -> bool:
    """审批评级结果: an approver of the bank who rated none of the campaign approves them all at once
    (when every approver rated some, each approves what the four eyes leave them)."""
    campaign = campaign_of(ctx.row)
    raters = set(db.session.scalars(sa.select(CreditRating.rated_by_id).where(
        CreditRating.campaign_id == campaign.id, CreditRating.status == "proposed")))
    approvers = state.world.staff.holders("bank_approver", None, campaign.bank_id)
    for user in [u for u in approvers if u.id not in raters] or approvers:
        try:
            outcome = ratings.approve(state.world.staff.actor(user), campaign.id)
        except DomainError as exc:
            state.tally.count("ratings_refused", *sorted(getattr(exc, "codes", ()) or [type(exc).__name__])[:1])
            return False
        state.tally.count("ratings_approved", by=len(outcome.done))
        if not outcome.refused:
            break
    return False


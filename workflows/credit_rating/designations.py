"""Credit household, village and town designations (信用户、信用村、信用镇评定).

``propose`` (on demand, or ``yearly`` from the timer sweep) computes the township by the dated rules
(``rules``), stores a ``proposed`` designation per passing household, village and the town, and
starts a ``credit_designation`` process: the rural-revitalisation bureau reviews it in its inbox and
publishes it with a decision date (``review_designations``). A published designation is revoked,
with an audit event, when its condition fails: ``on_dishonest`` (a household put on the
dishonest-debtor list; its ratings are revoked too) and ``revoke_failing`` (the daily check of
village overdue rates, then of each credit town's share of credit villages).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from models import AuditEvent, Household, ProcessInstance, ProcessVersion, Township, Village, db
from models.credit import CreditDesignation, CreditRating

from .. import audit, clock, instances, policy
from ..audit import SYSTEM, Actor
from ..errors import ForbiddenError, NotFoundError, PolicyViolationError
from ..tasks import facts, steps
from ..unit_of_work import unit_of_work
from . import DESIGNATION_PROCESS, ratings, rules

LIVE = ("proposed", "published")
PROPOSED = "credit_designations_proposed"  # the audit event of a proposal: its business date dates it


def _open_review(township_id: int) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        ProcessInstance.township_id == township_id, ProcessInstance.status == "running",
        ProcessInstance.process_version_id == ProcessVersion.id,
        ProcessVersion.process_key == DESIGNATION_PROCESS))) or False


def propose_township(township_id: int, day: date, actor: Actor) -> list[CreditDesignation]:
    """Compute and propose one township's designations (in the caller's transaction)."""
    if db.session.get(Township, township_id) is None:
        raise NotFoundError(f"township {township_id}")
    if _open_review(township_id):
        raise PolicyViolationError(["designation_review_open"], {"__all__": ["designation_review_open"]})
    town = rules.town_result(township_id, day)
    subjects = [("household", h, None) for h in town.credit_households]
    subjects += [("village", v.village_id, v.share) for v in town.villages if v.passes]
    subjects += [("town", township_id, town.share)] if town.passes else []
    loaded = instances.start(DESIGNATION_PROCESS, None, {"township_id": township_id, "computed_on": day},
                             township_id=township_id)
    instances.save(loaded)
    instances.settle(loaded, None)
    rows = [CreditDesignation(kind=kind, subject_id=subject, township_id=township_id, computed_on=day,
                              status="proposed", share=share, process_instance_id=loaded.row.id)
            for kind, subject, share in subjects]
    db.session.add_all(rows)
    audit.record(PROPOSED, actor, township_id=township_id, process_instance_id=loaded.row.id,
                 after={"households": len(town.credit_households), "villages": [v.village_id for v in town.villages
                                                                                if v.passes],
                        "town": town.passes, "computed_on": day.isoformat()})
    return rows


@unit_of_work
def propose(actor: Actor, township_id: int) -> list[CreditDesignation]:
    """On demand (the bureau or a supervisor): propose the township's designations as of today."""
    if actor.user is None or not actor.user.has_role("rural_bureau"):
        raise ForbiddenError("only the rural-revitalisation bureau proposes designations")
    return propose_township(township_id, clock.today(), Actor(actor.user, "rural_bureau", actor.ip_address))


@unit_of_work
def yearly(now: datetime | None = None) -> list[int]:
    """The yearly run (call it from every timer sweep): each township with valid approved ratings and no
    proposal yet in this business year gets one (dated by the business date of its audit event).
    Returns the township ids proposed."""
    now = now or clock.now()
    with clock.held(now):
        day = clock.today()
        started = set(db.session.scalars(sa.select(AuditEvent.township_id).where(
            AuditEvent.action == PROPOSED, AuditEvent.business_date >= date(day.year, 1, 1))))
        if db.session.scalars(ProcessVersion.latest(DESIGNATION_PROCESS)).first() is None:
            return []
        rated = sa.select(Household.township_id).join(CreditRating, CreditRating.household_id == Household.id).where(
            CreditRating.status == "approved", CreditRating.valid_until >= day)
        townships = db.session.scalars(sa.select(Township.id).where(
            Township.id.not_in(started), Township.id.in_(rated)).order_by(Township.id))
        done = []
        for township_id in list(townships):
            if not _open_review(township_id):
                propose_township(township_id, day, SYSTEM)
                done.append(township_id)
        return done


@facts.register(DESIGNATION_PROCESS)
def designation_facts(row, instance, loan) -> tuple[str, dict]:
    """The review panel: the township and how many households, villages and towns are proposed."""
    counts = dict(db.session.execute(sa.select(CreditDesignation.kind, sa.func.count()).where(
        CreditDesignation.process_instance_id == instance.id).group_by(CreditDesignation.kind)).all())
    return "credit", {"township": db.session.get(Township, instance.township_id), "proposed": counts}


@steps.register(DESIGNATION_PROCESS, "review_designations")
def review_designations(ctx: steps.StepContext) -> None:
    """审定公布: the bureau publishes the proposed designations with its decision date."""
    decided_on = ctx.data.get("decided_on") or clock.today()
    rows = db.session.scalars(sa.select(CreditDesignation).where(
        CreditDesignation.process_instance_id == ctx.instance.id, CreditDesignation.status == "proposed")).all()
    for row in rows:
        row.status, row.decided_on = "published", decided_on
    audit.record("credit_designations_published", ctx.actor, township_id=ctx.instance.township_id,
                 process_instance_id=ctx.instance.id,
                 after={"decided_on": decided_on.isoformat(), "designations": [r.id for r in rows]})


def _revoke(row: CreditDesignation, reason: str, actor: Actor) -> None:
    row.status, row.reason, row.revoked_at = "revoked", reason, clock.now()
    audit.record("credit_designation_revoked", actor, township_id=row.township_id,
                 household_id=row.subject_id if row.kind == "household" else None, codes=[reason],
                 after={"designation_id": row.id, "kind": row.kind, "subject_id": row.subject_id})


def on_dishonest(household: Household, actor: Actor = SYSTEM) -> list[CreditDesignation]:
    """A household put on the dishonest-debtor list: its ratings and live credit-household
    designations are revoked (in the caller's transaction; wire it where the list is set)."""
    ratings.revoke_household(household.id, "dishonest_debtor", actor)
    rows = db.session.scalars(sa.select(CreditDesignation).where(
        CreditDesignation.kind == "household", CreditDesignation.subject_id == household.id,
        CreditDesignation.status.in_(LIVE))).all()
    for row in rows:
        _revoke(row, "dishonest_debtor", actor)
    return list(rows)


@unit_of_work
def revoke_failing(day: date | None = None) -> list[CreditDesignation]:
    """The daily check: a live credit village whose overdue rate reached the limit is revoked, then a
    live credit town whose share of live credit villages fell below its threshold. Nothing is read
    (no settings either) while no village or town holds a designation."""
    live = db.session.scalars(sa.select(CreditDesignation).where(
        CreditDesignation.kind.in_(("village", "town")), CreditDesignation.status.in_(LIVE))
        .order_by(CreditDesignation.id)).all()
    if not live:
        return []
    day = day or clock.today()
    villages = [row for row in live if row.kind == "village"]
    towns = [row for row in live if row.kind == "town"]
    revoked = []
    if villages:
        limit = policy.setting("credit_village_overdue_rate", day)
        rates = rules.village_overdue_rates([row.subject_id for row in villages])
        for row in villages:
            if rates.get(row.subject_id, rules.ZERO) >= limit:
                _revoke(row, "overdue_rate_over_limit", SYSTEM)
                revoked.append(row)
    if towns:
        share = policy.setting("credit_town_village_share", day)
        for row in towns:
            if rules.live_village_share(row.subject_id) < share:
                _revoke(row, "credit_village_share_below", SYSTEM)
                revoked.append(row)
    return revoked


def village_names(township_id: int) -> dict[int, str]:
    return dict(db.session.execute(sa.select(Village.id, Village.name).where(Village.township_id == township_id)).all())

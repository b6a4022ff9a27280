"""Ratings (信用评级): saved in bulk by bank officers, approved in bulk by a second person of the bank.

``save`` takes many rows at once (the bulk page saves as the officer goes); each row is checked on
its own and the good ones are saved, the others come back with their rule codes, all in one
transaction. ``approve`` approves many ratings at once; a rating the approver rated is refused
(``four_eyes``) and left proposed, the others are approved. Every saved or approved rating is one
audit event. A rating is valid on a day when approved, not revoked and not expired.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from models import GRADES, db
from models.credit import CreditCampaign, CreditRating

from .. import audit, clock
from ..audit import Actor
from ..errors import ForbiddenError, PolicyViolationError
from ..unit_of_work import unit_of_work
from . import campaigns
from .lines import credit_line_for

CENT = Decimal("0.01")


@dataclass
class Outcome:
    """What a bulk call did: the ids it saved or approved, and the rows it refused with their codes."""

    done: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)

    def refuse(self, key: str, value, *codes: str) -> None:
        self.refused.append({key: value, "codes": list(codes)})


def _staff_campaign(actor: Actor, campaign_id: int, role: str, status: str) -> CreditCampaign:
    user = actor.user
    campaigns.campaign_for(user, campaign_id)
    campaign = campaigns.locked(campaign_id)
    if not user.has_role(role) or user.bank_id != campaign.bank_id:
        raise ForbiddenError(f"only a {role} of the campaign's bank may do this")
    if campaign.status != status:
        raise PolicyViolationError(["campaign_not_open"], {"__all__": ["campaign_not_open"]})
    return campaign


def _row_values(row: dict, campaign: CreditCampaign, today: date,
                lines: dict[str, Decimal]) -> tuple[str, Decimal, date] | list[str]:
    """The grade, credit line and validity of a row, or the codes refusing it."""
    grade = str(row.get("grade") or "")
    try:
        line = Decimal(str(row.get("credit_line"))).quantize(CENT)
        until = date.fromisoformat(str(row["valid_until"])) if row.get("valid_until") else campaign.valid_until
    except (InvalidOperation, ValueError, TypeError):
        return ["invalid"]
    if grade not in GRADES or line < 0 or not until > today:
        return ["invalid"]
    if line > lines[grade]:
        return ["credit_line_over_grade"]
    return grade, line, until


@unit_of_work
def save(actor: Actor, campaign_id: int, rows: list[dict]) -> Outcome:
    """Save (insert or change) the ratings of many households of a campaign in one transaction."""
    campaign = _staff_campaign(actor, campaign_id, "bank_officer", "rating")
    actor, today, outcome = Actor(actor.user, "bank_officer", actor.ip_address), clock.today(), Outcome()
    lines = {grade: credit_line_for(grade) for grade in GRADES}  # DMN credit_line, read once per call
    roster = set(db.session.scalars(campaigns.included_ids(campaign.id)))
    wanted = [int(r["household_id"]) for r in rows if str(r.get("household_id", "")).isdigit()]
    existing = {r.household_id: r for r in db.session.scalars(sa.select(CreditRating).where(
        CreditRating.campaign_id == campaign.id, CreditRating.household_id.in_(wanted)))}
    for row in rows:
        household_id = int(row["household_id"]) if str(row.get("household_id", "")).isdigit() else None
        if household_id not in roster:
            outcome.refuse("household_id", row.get("household_id"), "not_on_roster")
            continue
        values = _row_values(row, campaign, today, lines)
        if isinstance(values, list):
            outcome.refuse("household_id", household_id, *values)
            continue
        rating = existing.get(household_id)
        if rating is not None and rating.status != "proposed":
            outcome.refuse("household_id", household_id, "rating_already_approved")
            continue
        outcome.done.append(_store(actor, campaign, household_id, rating, values))
    return outcome


def _store(actor: Actor, campaign: CreditCampaign, household_id: int, rating: CreditRating | None,
           values: tuple[str, Decimal, date]) -> dict:
    before = snapshot(rating) if rating is not None else None
    if rating is None:
        rating = CreditRating(campaign_id=campaign.id, household_id=household_id, bank_id=campaign.bank_id,
                              status="proposed")
        db.session.add(rating)
    rating.grade, rating.credit_line, rating.valid_until = values
    rating.rated_by_id, rating.rated_at = actor.user_id, clock.now()
    db.session.flush()
    audit.record("credit_rating_saved", actor, household_id=household_id, township_id=campaign.township_id,
                 bank_id=campaign.bank_id, before=before, after=snapshot(rating))
    return {"household_id": household_id, "rating_id": rating.id}


@unit_of_work
def approve(actor: Actor, campaign_id: int, rating_ids: list[int] | None = None) -> Outcome:
    """Approve many proposed ratings (all of the campaign when ``rating_ids`` is None); four eyes per row."""
    campaign = _staff_campaign(actor, campaign_id, "bank_approver", "approval")
    actor, outcome = Actor(actor.user, "bank_approver", actor.ip_address), Outcome()
    query = sa.select(CreditRating).where(CreditRating.campaign_id == campaign.id)
    if rating_ids is not None:
        query = query.where(CreditRating.id.in_(rating_ids))
    found = {r.id: r for r in db.session.scalars(query.order_by(CreditRating.id))}
    for rating_id in (rating_ids if rating_ids is not None else list(found)):
        rating = found.get(rating_id)
        if rating is None:
            outcome.refuse("rating_id", rating_id, "not_found")
        elif rating.status != "proposed":
            outcome.refuse("rating_id", rating_id, "rating_already_approved")
        elif rating.rated_by_id == actor.user_id:
            outcome.refuse("rating_id", rating_id, "four_eyes")
        else:
            rating.status, rating.approved_by_id, rating.approved_at = "approved", actor.user_id, clock.now()
            audit.record("credit_rating_approved", actor, household_id=rating.household_id,
                         township_id=campaign.township_id, bank_id=campaign.bank_id, after=snapshot(rating))
            outcome.done.append({"rating_id": rating.id, "household_id": rating.household_id})
    return outcome


def revoke_household(household_id: int, reason: str, actor: Actor) -> list[CreditRating]:
    """Revoke the household's approved or proposed ratings (in the caller's transaction), each audited."""
    revoked = list(db.session.scalars(sa.select(CreditRating).where(
        CreditRating.household_id == household_id, CreditRating.status.in_(("proposed", "approved")))))
    for rating in revoked:
        before = snapshot(rating)
        rating.status, rating.revoked_at, rating.revocation_reason = "revoked", clock.now(), reason
        audit.record("credit_rating_revoked", actor, household_id=household_id, bank_id=rating.bank_id,
                     before=before, after=snapshot(rating), codes=[reason])
    return revoked


def valid_rating(household_id: int, day: date) -> CreditRating | None:
    """The household's newest approved rating not revoked and still valid on ``day``."""
    return db.session.scalars(sa.select(CreditRating).where(
        CreditRating.household_id == household_id, CreditRating.status == "approved",
        CreditRating.valid_until >= day).order_by(CreditRating.approved_at.desc(), CreditRating.id.desc())).first()


def history(household_id: int) -> list[CreditRating]:
    return list(db.session.scalars(sa.select(CreditRating).where(CreditRating.household_id == household_id)
                                   .order_by(CreditRating.rated_at.desc(), CreditRating.id.desc())))


def snapshot(rating: CreditRating) -> dict:
    return audit.jsonable({"rating_id": rating.id, "campaign_id": rating.campaign_id, "grade": rating.grade,
                           "credit_line": rating.credit_line, "valid_until": rating.valid_until,
                           "status": rating.status, "rated_by_id": rating.rated_by_id,
                           "approved_by_id": rating.approved_by_id, "revocation_reason": rating.revocation_reason})


def covering_rating(household_id: int, amount: Decimal, day: date) -> CreditRating | None:
    """The household's valid rating if its line, and its grade's DMN line today, cover ``amount``."""
    rating = valid_rating(household_id, day)
    if rating is None or amount > rating.credit_line or amount > credit_line_for(rating.grade):
        return None
    return rating

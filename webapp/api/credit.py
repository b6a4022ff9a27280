"""Rating campaigns, ratings and designations over the API (评级授信、信用户村镇接口).

The same services as the pages: ``POST …/ratings`` saves many rows in one transaction and answers
the saved ones and the refused ones with their codes (``credit_line_over_grade``, ``not_on_roster``,
``rating_already_approved``, ``invalid``); ``POST …/approvals`` approves many ratings, refusing per row
those the caller rated (``four_eyes``). Scope as on the pages: bank staff their bank's campaigns,
clerks their township's, district roles all; a campaign outside the scope is 403.
"""
from __future__ import annotations

from datetime import date

from flask import request

from models.credit import CAMPAIGN_STATUSES, DESIGNATION_KINDS, DESIGNATION_STATUSES, RATING_STATUSES
from workflows import clock
from workflows.credit_rating import campaigns, designations, queries, ratings, views
from workflows.errors import ForbiddenError

from . import openapi
from .base import actor, api_user, bp, int_arg, paging
from .inputs import json_object
from .openapi_schemas import DAY, INSTANT, KEYSET, MONEY, PAGE, array, integer, obj, ref, text
from .serialize import day, instant


@bp.get("/credit/campaigns")
def list_campaigns():
    return {"items": [campaign_json(c) for c in queries.campaigns_for(api_user())]}


@bp.post("/credit/campaigns")
def open_campaign():
    if not api_user().has_role("bank_officer"):
        raise ForbiddenError("only a bank officer opens a rating campaign")
    body = json_object("CampaignInput")
    until = date.fromisoformat(body["valid_until"]) if body.get("valid_until") else None
    campaign = campaigns.open_campaign(actor(), body["township_id"], body.get("village_ids") or [], until)
    return {"campaign": campaign_json(campaign)}, 201


@bp.get("/credit/campaigns/<int:campaign_id>")
def get_campaign(campaign_id: int):
    return {"campaign": campaign_json(campaigns.campaign_for(api_user(), campaign_id))}


@bp.get("/credit/campaigns/<int:campaign_id>/ratings")
def list_ratings(campaign_id: int):
    """One page of the campaign's ratings by household (keyset: ``next_cursor``; or ``page``)."""
    campaign = campaigns.campaign_for(api_user(), campaign_id)
    page, per_page = paging(queries.RATINGS_PER_PAGE)
    cursor = request.args.get("cursor") or None
    found = queries.ratings_page(campaign, cursor, per_page, offset=0 if cursor else (page - 1) * per_page)
    return {"items": [rating_json(r) for r in found.items], "total": found.total,
            "total_capped": found.total_capped, "next_cursor": found.next_cursor, "page": page, "per_page": per_page}


@bp.post("/credit/campaigns/<int:campaign_id>/ratings")
def save_ratings(campaign_id: int):
    if not api_user().has_role("bank_officer"):
        raise ForbiddenError("only bank officers rate households")
    outcome = ratings.save(actor(), campaign_id, json_object("RatingRowsInput")["rows"])
    return {"saved": outcome.done, "refused": outcome.refused}


@bp.post("/credit/campaigns/<int:campaign_id>/approvals")
def approve_ratings(campaign_id: int):
    if not api_user().has_role("bank_approver"):
        raise ForbiddenError("only bank approvers approve ratings")
    outcome = ratings.approve(actor(), campaign_id, json_object("ApprovalInput", required=False).get("rating_ids"))
    return {"approved": outcome.done, "refused": outcome.refused}


@bp.get("/credit/households/<int:household_id>/ratings")
def household_ratings(household_id: int):
    household = views.household_for(api_user(), household_id)
    return {"items": [rating_json(r) for r in ratings.history(household.id)]}


@bp.get("/credit/designations")
def list_designations():
    township_id = int_arg("township_id", 0)
    result = views.credit_map(api_user(), township_id, clock.today())
    return {"items": [designation_json(d) for d in views.township_designations(result.township.id)]}


@bp.post("/credit/townships/<int:township_id>/designations")
def propose_designations(township_id: int):
    rows = designations.propose(actor(), township_id)
    return {"items": [designation_json(d) for d in rows]}, 201


def campaign_json(campaign) -> dict:
    return {"id": campaign.id, "bank_id": campaign.bank_id, "township_id": campaign.township_id,
            "village_ids": list(campaign.village_ids or []), "status": campaign.status,
            "opened_on": day(campaign.opened_on), "valid_until": day(campaign.valid_until),
            "published_on": day(campaign.published_on), "progress": queries.progress(campaign).as_dict()}


def rating_json(rating) -> dict:
    return {"id": rating.id, "campaign_id": rating.campaign_id, "household_id": rating.household_id,
            "grade": rating.grade, "credit_line": str(rating.credit_line), "valid_until": day(rating.valid_until),
            "status": rating.status, "rated_by_id": rating.rated_by_id, "approved_by_id": rating.approved_by_id,
            "approved_at": instant(rating.approved_at), "revocation_reason": rating.revocation_reason}


def designation_json(row) -> dict:
    return {"id": row.id, "kind": row.kind, "subject_id": row.subject_id, "township_id": row.township_id,
            "status": row.status, "computed_on": day(row.computed_on), "decided_on": day(row.decided_on),
            "reason": row.reason}


ID = integer(minimum=1)
CODES = array(text())
openapi.EXTRA_SCHEMAS.update({
    "Campaign": obj(["id", "bank_id", "township_id", "village_ids", "status", "opened_on", "valid_until",
                     "progress"],
                    id=ID, bank_id=ID, township_id=ID, village_ids=array(ID), status=text(enum=list(CAMPAIGN_STATUSES)),
                    opened_on=DAY, valid_until=DAY, published_on=DAY,
                    progress=obj(["roster", "excluded", "rated", "approved"], roster=integer(), excluded=integer(),
                                 rated=integer(), approved=integer())),
    "Rating": obj(["id", "household_id", "grade", "credit_line", "valid_until", "status"],
                  id=ID, campaign_id=integer(True), household_id=ID, grade=text(), credit_line=MONEY,
                  valid_until=DAY, status=text(enum=list(RATING_STATUSES)), rated_by_id=integer(True),
                  approved_by_id=integer(True), approved_at=INSTANT, revocation_reason=text(True)),
    "RatingPage": obj(["items", "total", "total_capped", "next_cursor", "page", "per_page"],
                      items=array(ref("Rating")), **PAGE, **KEYSET),
    "Designation": obj(["id", "kind", "subject_id", "township_id", "status", "computed_on"],
                       id=ID, kind=text(enum=list(DESIGNATION_KINDS)), subject_id=ID, township_id=ID,
                       status=text(enum=list(DESIGNATION_STATUSES)), computed_on=DAY, decided_on=DAY,
                       reason=text(True)),
    "CampaignInput": obj(["township_id"], township_id=integer(minimum=1, maximum=2 ** 31 - 1),
                         village_ids=array(integer(minimum=1, maximum=2 ** 31 - 1)),
                         valid_until=text(True, format="date")),
    "RatingRowsInput": obj(["rows"], rows=array(obj(
        ["household_id", "grade", "credit_line"], household_id=integer(minimum=1, maximum=2 ** 31 - 1),
        grade=text(maxLength=8), credit_line=text(pattern=r"^\d{1,12}(\.\d{1,2})?$"),
        valid_until=text(True, format="date")))),
    "ApprovalInput": obj(rating_ids=array(integer(minimum=1, maximum=2 ** 31 - 1))),
    "RatingOutcome": obj(["saved", "refused"], saved=array(obj(household_id=ID, rating_id=ID)),
                         refused=array(obj(household_id=integer(True), codes=CODES))),
    "ApprovalOutcome": obj(["approved", "refused"], approved=array(obj(rating_id=ID, household_id=ID)),
                           refused=array(obj(rating_id=integer(True), codes=CODES))),
})
openapi.EXTRA_TAGS.append("credit")


def _list(key: str, schema: str) -> dict:
    return openapi.wrapped("200", "the list", key, schema, many=True)


@openapi.add_paths
def _paths() -> dict:
    op, pid = openapi.op, openapi.path_id
    campaign = [pid("campaign_id")]
    return {
        "/credit/campaigns": {
            "get": op("list_campaigns", "Rating campaigns in the caller's scope (评级授信活动)",
                      _list("items", "Campaign"), tag="credit"),
            "post": op("open_campaign", "Open a campaign (bank officers): roster built, process started",
                       openapi.wrapped("201", "opened", "campaign", "Campaign"), 403, 404, 422,
                       body="CampaignInput", tag="credit")},
        "/credit/campaigns/{campaign_id}": {"get": op(
            "get_campaign", "One campaign with its progress", openapi.wrapped("200", "the campaign", "campaign",
                                                                              "Campaign"),
            403, 404, params=campaign, tag="credit")},
        "/credit/campaigns/{campaign_id}/ratings": {
            "get": op("list_campaign_ratings", "The campaign's ratings by household, one page at a time",
                      openapi.answer("200", "one page", "RatingPage"), 403, 404, 422,
                      params=[*campaign, *openapi.PAGING, openapi.CURSOR], tag="credit"),
            "post": op("save_ratings", "Save many rating rows at once (bank officers of the campaign's bank)",
                       openapi.answer("200", "saved and refused rows", "RatingOutcome"), 403, 404, 422,
                       body="RatingRowsInput", params=campaign, tag="credit",
                       description="A row whose credit line is above its grade's line in DMN credit_line is "
                                   "refused `credit_line_over_grade`; the other rows are saved.")},
        "/credit/campaigns/{campaign_id}/approvals": {"post": op(
            "approve_ratings", "Approve many ratings (bank approvers; all proposed ones without rating_ids)",
            openapi.answer("200", "approved and refused rows", "ApprovalOutcome"), 403, 404, 422,
            body="ApprovalInput", params=campaign, tag="credit",
            description="Four eyes per row: a rating the approver rated is refused `four_eyes`.")},
        "/credit/households/{household_id}/ratings": {"get": op(
            "household_ratings", "A household's rating history", _list("items", "Rating"), 403, 404,
            params=[pid("household_id")], tag="credit")},
        "/credit/designations": {"get": op(
            "list_designations", "A township's designations (信用户/信用村/信用镇)", _list("items", "Designation"),
            403, 404, params=[openapi.query_id("township_id", "the township")], tag="credit")},
        "/credit/townships/{township_id}/designations": {"post": op(
            "propose_designations", "Propose the township's designations now (rural bureau)",
            openapi.wrapped("201", "proposed", "items", "Designation", many=True), 403, 404, 422,
            params=[pid("township_id")], tag="credit")},
    }

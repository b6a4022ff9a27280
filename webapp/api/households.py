"""The household lists: search them (masked ID numbers) and register a household (rural bureau)."""
from __future__ import annotations

from flask import request

from workflows import households
from workflows.errors import ForbiddenError

from . import serialize
from .base import actor, api_user, bp, paging
from .inputs import json_object
from .messages import localised_field_errors


@bp.get("/households")
def list_households():
    user = api_user()
    page, per_page = paging(households.PER_PAGE)
    page = households.list_households(
        user, q=request.args.get("q", "").strip() or None, township=request.args.get("township") or None,
        page=page, per_page=per_page, cursor=request.args.get("cursor") or None)
    return {"items": [serialize.household_json(h, user) for h in page.items], "total": page.total,
            "total_capped": page.total_capped, "next_cursor": page.next_cursor, "page": page.page,
            "per_page": page.per_page}


@bp.post("/households")
def create_household():
    if not api_user().has_role("rural_bureau"):
        raise ForbiddenError("only the rural-revitalisation bureau registers households")
    body = json_object("HouseholdInput", required=False)
    with localised_field_errors():
        household = households.register_household(actor(), body)
    return {"household": serialize.household_json(household, api_user())}, 201

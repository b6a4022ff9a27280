"""The household lists: search them (masked ID numbers) and register a household (rural bureau)."""
from __future__ import annotations

from flask import request

from workflows import households

from . import serialize
from .base import MAX_PAGE, MAX_PER_PAGE, actor, api_user, bp, int_arg, json_body
from .messages import localised_field_errors


@bp.get("/households")
def list_households():
    user = api_user()
    page = households.list_households(
        user, q=request.args.get("q", "").strip() or None, township=request.args.get("township") or None,
        page=int_arg("page", 1, high=MAX_PAGE), per_page=int_arg("per_page", households.PER_PAGE, high=MAX_PER_PAGE))
    return {"items": [serialize.household_json(h, user) for h in page.items], "total": page.total,
            "page": page.page, "per_page": page.per_page}


@bp.post("/households")
def create_household():
    with localised_field_errors():
        household = households.register_household(actor(), json_body(required=False))
    return {"household": serialize.household_json(household, api_user())}, 201

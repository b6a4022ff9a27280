"""The business date over the API (业务日期接口): read it (any signed-in user), set or reset it (administrators).

``GET /clock`` answers the business date (null: the wall clock's), today and now in business time
and the wall clock. ``PUT /clock`` with ``{"business_date": "2027-06-01"}`` sets it (422
``business_date_not_settable`` on a database that is not a demo or test one); ``DELETE /clock``
goes back to the wall clock. Both answer the clock with ``before`` and ``backwards``.
"""
from __future__ import annotations

from flask import current_app

from forms import form_from_json
from forms.clock import BusinessDateForm
from workflows import business_date
from workflows.errors import ForbiddenError

from . import openapi
from .base import actor, api_user, bp, validated
from .inputs import json_object
from .openapi_schemas import DAY, INSTANT, obj, ref, text
from .serialize import day, instant


@bp.get("/clock")
def get_clock():
    return clock_json(business_date.state(allowed()))


@bp.put("/clock")
def set_clock():
    administrator_only()
    form = validated(form_from_json(BusinessDateForm, json_object("BusinessDateInput")))
    change = business_date.set_date(actor(), form.business_date.data, allowed_by_config=allowed())
    return change_json(change)


@bp.delete("/clock")
def reset_clock():
    administrator_only()
    return change_json(business_date.reset(actor()))


def allowed() -> bool:
    return bool(current_app.config["BUSINESS_DATE_SETTABLE"])


def administrator_only() -> None:
    if not api_user().has_role("admin"):
        raise ForbiddenError("only administrators change the business date")


def clock_json(state: business_date.ClockState) -> dict:
    return {"business_date": day(state.business_date), "today": day(state.today), "now": instant(state.now),
            "wall_now": instant(state.wall_now), "settable": state.settable,
            "changed_at": instant(state.changed_at), "changed_by": state.changed_by}


def change_json(change: business_date.Change) -> dict:
    return {**clock_json(business_date.state(allowed())), "before": day(change.before), "backwards": change.backwards}


REQUIRED_DAY = {key: value for key, value in DAY.items() if key != "nullable"}
CLOCK = obj(["business_date", "today", "now", "wall_now", "settable"],
            business_date={**DAY, "description": "the stored business date; null: the wall clock's date"},
            today={**REQUIRED_DAY, "description": "the business date the application works on"},
            now={**INSTANT, "nullable": False, "description": "business time: today at the wall clock's time of day"},
            wall_now={**INSTANT, "nullable": False, "description": "the wall clock (sessions, tokens, audit times)"},
            settable={"type": "boolean", "description": "a demo or test database: the date may be set"},
            changed_at=INSTANT, changed_by=text(True, description="null when changed from the command line"))
openapi.EXTRA_SCHEMAS.update({
    "BusinessClock": CLOCK,
    "BusinessDateInput": obj(["business_date"], business_date=text(
        format="date", pattern=r"^2[0-9]{3}-", description="a day from 2000-01-01 to 2999-12-31")),
    "BusinessClockChange": {"allOf": [ref("BusinessClock"), obj(
        ["before", "backwards"], before={**DAY, "description": "the business date before the change"},
        backwards={"type": "boolean", "description": "the date moved back: timers that fired stay fired"})]},
})
openapi.EXTRA_TAGS.append("clock")


@openapi.add_paths
def _paths() -> dict:
    change = openapi.answer("200", "changed; the clock as it now stands", "BusinessClockChange")
    return {"/clock": {
        "get": openapi.op("get_clock", "The business date (业务日期) and the wall clock",
                          openapi.answer("200", "the clock", "BusinessClock"), tag="clock"),
        "put": openapi.op("set_clock", "Set the business date (administrators; demo and test databases only)",
                          change, 403, 422, body="BusinessDateInput", tag="clock",
                          description="Holds until changed; the time of day follows the wall clock. 422 "
                                      "`business_date_not_settable` unless the database was made by `seed-demo` "
                                      "or `BUSINESS_DATE_SETTABLE=1`. An earlier day than the current one is "
                                      "allowed (`backwards`: true)."),
        "delete": openapi.op("reset_clock", "Back to the wall clock (administrators)", change, 403, tag="clock"),
    }}

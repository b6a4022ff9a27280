"""The household lists over the API: scope, masking, registration by the rural bureau."""
from __future__ import annotations

from datetime import date

import pytest

from models import AuditEvent, Household, db
from tests.conftest import count, one
from tests.factories import make_household
from workflows import resident_id

NEW_ID = resident_id.compose("500234", date(1979, 3, 8), 417)


def body(**overrides) -> dict:
    return {"id_number": NEW_ID, "name": "冉光明", "township": "hanfeng", "village": "hanfeng_1",
            "category": "poverty_lifted", **overrides}


@pytest.fixture
def listed(world):
    hanfeng, dade = make_household("hanfeng"), make_household("dade")
    dade.name = "大德户"
    db.session.commit()
    return hanfeng, dade


def test_the_bureau_registers_a_household(api):
    answer = api.post("/households", as_="bureau", json=body(id_number=f" {NEW_ID} "))
    assert answer.status_code == 201, answer.get_json()
    created = answer.get_json()["household"]
    assert created["id_number"] == NEW_ID and created["village"] == "hanfeng_1"
    household = one(Household, id_number=NEW_ID)
    assert household.township.code == "hanfeng" and household.category == "poverty_lifted"
    event = one(AuditEvent, action="household_registered")
    assert event.actor_role == "rural_bureau" and event.household_id == household.id


@pytest.mark.parametrize("overrides, field", [
    ({"id_number": NEW_ID[:-1] + ("1" if NEW_ID[-1] == "0" else "0")}, "id_number"),  # wrong check digit
    ({"id_number": None}, "id_number"),
    ({"name": "  "}, "name"),
    ({"name": "名" * 65}, "name"),
    ({"township": "nowhere"}, "township"),
    ({"village": "dade_1"}, "village"),  # a village of another township
    ({"category": "rich"}, "category"),
])
def test_bad_household_input_is_422_with_the_field(api, overrides, field):
    answer = api.post("/households", as_="bureau", json=body(**overrides))
    assert answer.status_code == 422
    assert answer.get_json()["codes"] == ["invalid"] and field in answer.get_json()["errors"]
    assert count(Household) == 0 and count(AuditEvent, action="household_registered") == 0


def test_a_duplicate_resident_id_is_refused(api):
    assert api.post("/households", as_="bureau", json=body()).status_code == 201
    answer = api.post("/households", as_="bureau", json=body(name="另一户"))
    assert answer.status_code == 422 and "already_registered" in answer.get_json()["errors"]["id_number"][0]
    assert count(Household) == 1


@pytest.mark.parametrize("username", ["clerk_hanfeng", "officer_rcb", "approver_rcb", "finance", "supervisor",
                                      "admin"])
def test_only_the_bureau_registers(api, username):
    answer = api.post("/households", as_=username, json=body())
    assert answer.status_code == 403 and answer.get_json()["codes"] == ["forbidden"]
    assert count(Household) == 0


def test_a_body_that_is_not_an_object_is_422_for_the_bureau(api):
    answer = api.post("/households", as_="bureau", data="[1, 2]", content_type="application/json")
    assert answer.status_code == 422 and set(answer.get_json()["errors"]) >= {"id_number", "name"}


@pytest.mark.parametrize("username, townships, masked", [
    ("bureau", {"hanfeng", "dade"}, False),
    ("supervisor", {"hanfeng", "dade"}, True),
    ("finance", {"hanfeng", "dade"}, True),
    ("admin", {"hanfeng", "dade"}, True),
    ("officer_psbc", {"hanfeng", "dade"}, True),  # the lists go to every partner bank
    ("clerk_hanfeng", {"hanfeng"}, True),
    ("clerk_zhaojia", set(), True),
])
def test_list_scope_and_masking(api, listed, username, townships, masked):
    answer = api.get("/households", as_=username)
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    assert {h["township"] for h in items} == townships and answer.get_json()["total"] == len(townships)
    full = {h.id_number for h in listed}
    assert all((h["id_number"] not in full) == masked for h in items)
    assert all("*" in h["id_number"] for h in items) == masked or not items


def test_list_filters_and_pages(api, listed):
    hanfeng, dade = listed
    assert [h["id"] for h in api.get("/households?township=dade", as_="bureau").get_json()["items"]] == [dade.id]
    assert [h["id"] for h in api.get("/households?q=大德", as_="bureau").get_json()["items"]] == [dade.id]
    by_id = api.get(f"/households?q={hanfeng.id_number[:17]}", as_="officer_rcb").get_json()["items"]
    assert [h["id"] for h in by_id] == [hanfeng.id]
    page = api.get("/households?per_page=1&page=2", as_="bureau").get_json()
    assert page["total"] == 2 and page["page"] == 2 and [h["id"] for h in page["items"]] == [dade.id]
    refused = api.get("/households?page=x&per_page=-3", as_="bureau")  # no silent clamp: one paging rule
    assert refused.status_code == 422 and set(refused.get_json()["errors"]) == {"page", "per_page"}


def test_field_messages_are_chinese_by_default_and_english_on_request(api):
    chinese = api.post("/households", as_="bureau", json=body(township="nowhere")).get_json()
    assert chinese["errors"]["township"] == ["没有该代码的镇乡街道（unknown_township）"]
    english = api.post("/households?lang=en", as_="bureau", json=body(township="nowhere")).get_json()
    assert english["errors"]["township"] == ["There is no township with this code (unknown_township)"]

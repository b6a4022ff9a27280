"""Requests held to the OpenAPI document before the view runs: one paging rule, ids in range and written as
integers, no empty or null where a schema refuses them, JSON bodies that parse and nest at most 32 deep,
405 naming the methods."""
from __future__ import annotations

import pytest

from models import ApiToken
from tests.conftest import count
from tests.factories import make_household, register

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
LISTS = [("/households", "bureau"), ("/loans", "supervisor"), ("/tasks", "officer_rcb"), ("/audit", "supervisor")]


@pytest.mark.parametrize("path, username", LISTS)
@pytest.mark.parametrize("query, name", [
    ("page=0", "page"), ("page=100001", "page"), ("page=", "page"), ("page=null", "page"), ("page=1.0", "page"),
    ("page=%2B1", "page"), ("page=-1", "page"), ("page=1&page=2", "page"), ("page=99999999999999999999999", "page"),
    ("per_page=0", "per_page"), ("per_page=101", "per_page"), ("per_page=", "per_page"),
    ("per_page=null", "per_page"), ("per_page=%EF%BC%95", "per_page"),  # a full-width digit five
])
def test_every_list_refuses_the_same_paging(api, path, username, query, name):
    answer = api.get(f"{path}?{query}", as_=username)
    assert answer.status_code == 422 and answer.get_json()["codes"] == ["invalid"]
    assert list(answer.get_json()["errors"]) == [name]


@pytest.mark.parametrize("path, username", LISTS)
def test_every_list_takes_the_bounds_and_answers_them(api, path, username):
    body = api.get(f"{path}?page=100000&per_page=100", as_=username).get_json()
    assert (body["page"], body["per_page"], body["items"]) == (100000, 100, [])
    assert api.get(f"{path}?page=1&per_page=1", as_=username).get_json()["per_page"] == 1


@pytest.mark.parametrize("query", ["loan=9223372036854775808", "household=9223372036854775808", "loan=2147483648",
                                   "loan=-1", "loan=0", "household=", "loan=1e3"])
def test_audit_ids_out_of_range_are_422_not_500(api, world, query):
    answer = api.get(f"/audit?{query}", as_="supervisor")
    assert answer.status_code == 422 and set(answer.get_json()["errors"]) == {query.split("=")[0]}


@pytest.mark.parametrize("user", ["99999999999999999999999", "²", "0"])
def test_an_audit_user_that_cannot_be_an_id_is_read_as_a_name(api, world, user):
    answer = api.get(f"/audit?user={user}", as_="supervisor")
    assert answer.status_code == 200 and answer.get_json()["items"] == []


@pytest.mark.parametrize("path, name", [
    ("/audit?to=", "to"), ("/audit?from=2024-02-30", "from"), ("/audit?to=9999-12-31", "to"),
    ("/loans?applied_to=", "applied_to"), ("/loans?applied_from=20240101", "applied_from"),
    ("/loans?status=", "status"), ("/loans?sort=api_tokens", "sort"), ("/loans?q=a%00b", "q"),
    ("/audit/findings?rule=", "rule"), ("/reports/balance_by_township?township=" + "x" * 33, "township"),
    ("/reports/balance_by_township?bank=" + "x" * 33, "bank"), ("/reports/balance_by_township?to=", "to"),
    ("/households?township=", "township"), ("/audit?action=", "action"),
])
def test_empty_and_out_of_schema_values_are_refused(api, world, path, name):
    answer = api.get(path, as_="supervisor")
    assert answer.status_code == 422 and list(answer.get_json()["errors"]) == [name], answer.get_json()


def test_values_the_schema_allows_are_taken(api, world):
    assert api.get("/loans?q=&sort=-applied_on&applied_from=2024-01-01&applied_to=2024-01-01",
                   as_="supervisor").status_code == 200
    assert api.get("/reports/balance_by_township?township=nowhere&from=2024-01-01&to=2024-12-31",
                   as_="supervisor").status_code == 200
    assert api.get("/audit?user=&action=login&from=1900-01-01&to=2999-12-31", as_="supervisor").status_code == 200


def test_messages_are_chinese_by_default_and_english_on_request(api, world):
    assert api.get("/tasks?per_page=0", as_="finance").get_json()["errors"] == {"per_page": ["须不小于 1。"]}
    english = api.get("/tasks?per_page=0&lang=en", as_="finance").get_json()
    assert english["errors"] == {"per_page": ["Must be at least 1."]}


@pytest.mark.parametrize("body", [
    "[" * 1000 + "]" * 1000, '{"username": ' + "[" * 33 + "]" * 33 + "}", '{"username": "x", ', "{'a': 1}",
    '{"a": 1}}', b'{"username": "\xff"}', '{"username": NaN}', '{"username": -Infinity}', '{"username": 1e400}',
])
def test_malformed_or_too_deep_json_is_400_before_the_view(api, world, body):
    answer = api.client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert answer.status_code == 400 and answer.get_json()["codes"] == ["bad_request"]
    assert count(ApiToken) == 0


def test_json_nested_32_deep_and_brackets_in_strings_are_read(api, world):
    deep = '{"username": "[[[{{" , "password": ' + "[" * 31 + "]" * 31 + "}"
    answer = api.client.post("/api/v1/tokens", data=deep, content_type="application/json")
    assert answer.status_code == 422 and list(answer.get_json()["errors"]) == ["password"]


@pytest.mark.parametrize("body, field", [
    ({"username": "", "password": "x"}, "username"), ({"username": 7, "password": "x"}, "username"),
    ({"username": "bureau", "password": None}, "password"),
])
def test_a_body_outside_its_schema_is_422_per_field(api, world, body, field):
    answer = api.client.post("/api/v1/tokens", json=body)
    assert answer.status_code == 422 and list(answer.get_json()["errors"]) == [field]


@pytest.mark.parametrize("method", ["TRACE", "PUT", "PATCH"])
def test_a_405_names_the_allowed_methods(api, world, method):
    answer = api.call(method, "/me", as_="clerk_hanfeng")
    assert answer.status_code == 405 and answer.get_json()["codes"] == ["method_not_allowed"]
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_a_401_keeps_its_challenge(client):
    answer = client.get("/api/v1/me")
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_a_path_id_is_read_only_as_the_document_writes_integers(api, world):
    loan = register(world, make_household("hanfeng"))
    assert api.get(f"/loans/{loan.id}", as_="supervisor").status_code == 200
    for written in (f"00{loan.id}", str(loan.id).translate(FULL_WIDTH), str(loan.id).translate(ARABIC_INDIC),
                    "2147483648", "99999999999999999999"):
        assert api.get(f"/loans/{written}", as_="supervisor").status_code == 404, written
        assert api.get(f"/loans/{written}/events", as_="supervisor").status_code == 404, written


@pytest.mark.timeout(20)
def test_measuring_the_nesting_stays_linear(api, world):
    answer = api.client.post("/api/v1/tokens", data='\\"' * 1_000_000, content_type="application/json")
    assert answer.status_code == 400

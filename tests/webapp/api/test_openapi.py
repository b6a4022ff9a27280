"""The OpenAPI document: valid OpenAPI 3, and its paths are exactly the blueprint's rules."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

PREFIX = "/api/v1"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def rule_operations(app) -> set[tuple[str, str]]:
    """(method, OpenAPI path) for every rule of the app under /api/v1."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
            operations |= {(method, path) for method in rule.methods & METHODS}
    return operations


def document_operations(document: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item
            if method.upper() in METHODS}


def test_the_document_is_valid_openapi(client):
    answer = client.get(PREFIX + "/openapi.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    document = answer.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}


def test_every_rule_is_documented_and_every_path_is_a_rule(app, client):
    document = client.get(PREFIX + "/openapi.json").get_json()
    assert document["servers"] == [{"url": PREFIX}]
    assert rule_operations(app) == document_operations(document)


def test_only_sign_in_and_the_document_are_public(client):
    document = client.get(PREFIX + "/openapi.json").get_json()
    public = {(m.upper(), p) for p, item in document["paths"].items() for m, op in item.items()
              if op.get("security") == []}
    assert public == {("POST", "/tokens"), ("GET", "/openapi.json")}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if (method.upper(), path) not in public:
                assert "401" in operation["responses"], (method, path)


def test_every_error_answer_uses_the_error_shape(client):
    document = client.get(PREFIX + "/openapi.json").get_json()
    for name, answer in document["components"]["responses"].items():
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, name
    assert {"errors", "codes"} <= set(document["components"]["schemas"]["Error"]["required"])


def test_the_scope_rule_is_documented(client):
    description = client.get(PREFIX + "/openapi.json").get_json()["info"]["description"]
    assert "**403** `forbidden`" in description and "**404**" in description

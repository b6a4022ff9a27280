"""The OpenAPI document: valid OpenAPI 3, and its paths are exactly the blueprint's rules."""
from __future__ import annotations

import re

from openapi_spec_validator import validate

from webapp.api.conformance import CHECKED

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


def input_schemas(document: dict):
    """(where, schema) of every query parameter and JSON request body, ``$ref`` followed."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", ()):
                if parameter["in"] == "query":
                    yield f"{method} {path} ?{parameter['name']}", parameter["schema"]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                yield f"{method} {path} body", body["schema"]


def nested(schema: dict, schemas: dict, seen=()):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from nested(schemas[name], schemas, (*seen, name))
        return
    yield schema
    children = [*schema.get("properties", {}).values(), *schema.get("oneOf", ()), *schema.get("allOf", ())]
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            children.append(schema[key])
    for child in children:
        yield from nested(child, schemas, seen)


def test_inputs_use_only_what_the_api_checks(client):
    """What the document says of a request is what the API enforces (webapp/api/conformance.py)."""
    document = client.get(PREFIX + "/openapi.json").get_json()
    for where, schema in input_schemas(document):
        for part in nested(schema, document["components"]["schemas"]):
            assert set(part) <= CHECKED, (where, set(part) - CHECKED)
            assert part.get("format") in (None, "date", "password"), where


def test_every_list_pages_alike_and_every_input_can_be_refused(client):
    document = client.get(PREFIX + "/openapi.json").get_json()
    for path in ("/households", "/loans", "/tasks", "/audit"):
        parameters = {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"]}
        assert parameters["page"] == {"type": "integer", "minimum": 1, "maximum": 100_000}, path
        assert parameters["per_page"] == {"type": "integer", "minimum": 1, "maximum": 100}, path
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if any(p["in"] == "query" for p in operation.get("parameters", ())):
                assert "422" in operation["responses"], (method, path)
            if method in ("post", "delete"):
                assert "400" in operation["responses"], (method, path)

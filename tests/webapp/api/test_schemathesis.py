"""Property-based calls generated from the OpenAPI document (schemathesis): never a server error.

Bounded: about 20 examples per operation, no deadline, no example database on disk.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import drive, make_household, register

BOUNDED = settings(max_examples=20, deadline=None, database=None, derandomize=True,
                   phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
OPERATIONS = [
    ("GET", "/me", "clerk_hanfeng"), ("GET", "/households", "bureau"), ("GET", "/loans", "supervisor"),
    ("GET", "/loans/{loan_id}", "officer_rcb"), ("GET", "/loans/{loan_id}/events", "clerk_hanfeng"),
    ("GET", "/tasks", "officer_rcb"), ("GET", "/tasks/{task_id}", "officer_rcb"),
    ("POST", "/loans", "clerk_hanfeng"), ("POST", "/households", "bureau"),
    ("POST", "/tasks/{task_id}/complete", "officer_rcb"), ("POST", "/tokens", None),
]


@pytest.fixture
def schema(app, world):
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, until="investigate_credit")
    register(world, make_household("dade"), clerk="clerk_dade")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize("method, path, username", OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_no_server_error(api, schema, method, path, username):
    headers = api.headers(username)
    checks = [not_a_server_error] + ([response_schema_conformance] if method == "GET" else [])

    @BOUNDED
    @given(case=schema[path][method].as_strategy())
    def call(case):
        case.call_and_validate(headers=headers, checks=checks)

    call()

"""Property-based calls generated from the OpenAPI document (schemathesis): never a server error.

Bounded: about 20 examples per operation, no deadline, no example database on disk. The fixture holds a
ready task of every kind of process (a loan, its post-loan part, a fund top-up, a subsidy settlement),
and each of them is also read and claimed explicitly against the document's answers.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.factories import make_household, register
from tests.factories_tasks import expected_holders, one_task_of_each_process

BOUNDED = settings(max_examples=20, deadline=None, database=None, derandomize=True,
                   phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
OPERATIONS = [
    ("GET", "/me", "clerk_hanfeng"), ("GET", "/households", "bureau"), ("GET", "/loans", "supervisor"),
    ("GET", "/loans/{loan_id}", "officer_rcb"), ("GET", "/loans/{loan_id}/events", "clerk_hanfeng"),
    ("GET", "/tasks", "officer_rcb"), ("GET", "/tasks", "finance"), ("GET", "/tasks/{task_id}", "officer_rcb"),
    ("GET", "/tasks/{task_id}", "supervisor"), ("POST", "/loans", "clerk_hanfeng"), ("POST", "/households", "bureau"),
    ("POST", "/tasks/{task_id}/claim", "finance"), ("POST", "/tasks/{task_id}/unclaim", "officer_rcb"),
    ("POST", "/tasks/{task_id}/complete", "officer_rcb"), ("POST", "/tasks/{task_id}/complete", "finance"),
    ("POST", "/tokens", None),
]


@pytest.fixture
def tasks(app, world):
    register(world, make_household("dade"), clerk="clerk_dade")
    return one_task_of_each_process(world)


@pytest.fixture
def schema(app, tasks):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize("method, path, username", OPERATIONS, ids=[f"{m} {p} {u}" for m, p, u in OPERATIONS])
def test_no_server_error(api, schema, method, path, username):
    headers = api.headers(username)
    checks = [not_a_server_error] + ([response_schema_conformance] if method == "GET" else [])

    @BOUNDED
    @given(case=schema[path][method].as_strategy())
    def call(case):
        case.call_and_validate(headers=headers, checks=checks)

    call()


def test_every_kind_of_task_is_answered_as_documented(api, schema, world, tasks):
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    for task in tasks:
        holder = sorted(expected_holders(world, task))[0]
        for path, method, username in (("/tasks", "GET", holder), ("/tasks/{task_id}", "GET", "supervisor"),
                                       ("/tasks/{task_id}", "GET", holder), ("/tasks/{task_id}/claim", "POST", holder),
                                       ("/tasks/{task_id}/claim", "POST", "clerk_zhaojia")):
            case = schema[path][method].Case(path_parameters={"task_id": task.id} if "{" in path else {})
            case.call_and_validate(headers=api.headers(username), checks=checks)

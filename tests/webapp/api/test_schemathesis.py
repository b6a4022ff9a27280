"""Property-based calls generated from the OpenAPI document (schemathesis): the API answers as documented.

Every operation, as an administrator and as a township clerk, with data that fits the document and data
that does not: no server error, every status and content type documented, every answer of its schema,
schema-violating requests refused, schema-valid ones accepted. A valid request may still be refused (422)
where a rule goes beyond what a schema can say (``BEYOND_THE_SCHEMA``): then only on the fields named there.
The roles that reach what those two cannot (bureau, bank officer, finance, supervisor) run their operations too.

Bounded for ``make test``: ``EXAMPLES`` per operation and mode, no deadline, no example database on disk. The
fixture holds a ready task of every kind of process (a loan, its post-loan part, a fund top-up, a subsidy
settlement), and each of them is also read and claimed explicitly against the document's answers.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               positive_data_acceptance, response_schema_conformance,
                                               status_code_conformance)

from models import User, db
from tests.conftest import one
from tests.factories import make_household, register
from tests.factories_tasks import expected_holders, one_task_of_each_process
from workflows import api_tokens

EXAMPLES = 20
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                   phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
BEYOND_THE_SCHEMA = {  # operation: the fields a rule may refuse valid data on (None: any field)
    "GET /loans": {"applied_to", "cursor"},  # not before applied_from; a cursor this list issued
    "GET /tasks": {"cursor"},  # a cursor this list issued (opaque: a made-up one is refused)
    "GET /households": {"cursor"},  # a cursor this list issued
    "GET /audit": {"to", "cursor"},  # not before from; a cursor this list issued
    "GET /audit/findings": {"cursor"},  # a cursor this list issued
    "GET /credit/campaigns/{campaign_id}/ratings": {"cursor"},  # a cursor this list issued
    "GET /reports/{name}": {"from", "to"},  # not after to, at most 3660 days; the policy in force on `to`
    "POST /loans": None,  # a listed household of the clerk's township, a partner bank, the loan policy
    "POST /households": None,  # known township and village, a real resident ID, not listed yet
    "POST /households/import": None,  # the rows of the file
    "POST /tasks/{task_id}/complete": None,  # the task's own fields (GET /tasks/{task_id})
    "POST /loans/{loan_id}/repayments": None,  # what the loan owes
    "POST /processes/{process_key}/drafts": None,  # the diagrams validate
    "POST /processes/{process_key}/drafts/{draft_id}/deploy": None,
    "POST /loans/{loan_id}/comments": {"task_id"},  # a task of this loan
    "POST /tasks/{task_id}/attachments": None,  # the file's content, size and type
    "PUT /clock": {"business_date"},  # settable on a demo or test database only (business_date_not_settable)
    "POST /users": None,  # a free user name, a role, the scope the roles ask for (user_scope_mismatch)
    "PATCH /users/{user_id}": None,  # the scope the roles ask for; one's own admin role stays
    "POST /users/{user_id}/deactivate": None,  # not oneself (cannot_deactivate_self)
    "POST /users/{user_id}/delegations": None,  # a colleague of the role and place, a period not over
}
OTHER_ROLES = [  # operations that answer more than 403 only to roles other than admin and clerk
    ("bureau", "POST /households"), ("bureau", "GET /households"), ("supervisor", "GET /audit"),
    ("supervisor", "GET /audit/findings"), ("supervisor", "GET /reports/{name}"), ("officer_rcb", "GET /tasks"),
    ("officer_rcb", "POST /loans/{loan_id}/repayments"), ("officer_rcb", "POST /tasks/{task_id}/complete"),
    ("finance", "POST /tasks/{task_id}/claim"), ("finance", "GET /tasks/{task_id}"),
    ("officer_rcb", "POST /tasks/{task_id}/attachments"),
]


def refused_only_by_a_rule_beyond_the_schema(ctx, response, case):
    """Valid data answered 422 only where a rule goes beyond the schema, and only on the fields it names."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    assert case.operation.label in BEYOND_THE_SCHEMA, f"{case.operation.label}: valid data refused"
    fields = BEYOND_THE_SCHEMA[case.operation.label]
    refused = set(response.json().get("errors", {}))
    assert fields is None or refused <= fields, f"{case.operation.label}: valid {sorted(refused - fields)} refused"
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection, positive_data_acceptance, refused_only_by_a_rule_beyond_the_schema]


def configuration() -> schemathesis.Config:
    """No generated Authorization header (each call sends a real token); 422 allowed where BEYOND_THE_SCHEMA says."""
    accepted = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
    operations = [{"include-name": label, "checks": {"positive_data_acceptance": {"expected-statuses": accepted}}}
                  for label in BEYOND_THE_SCHEMA]
    return schemathesis.Config.from_dict({"generation": {"with-security-parameters": False},
                                          "operations": operations})


@pytest.fixture
def tasks(app, world):
    register(world, make_household("dade"), clerk="clerk_dade")
    return one_task_of_each_process(world)


@pytest.fixture
def schema(app, tasks):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=configuration())


def headers_for(api, username: str | None, operation):
    """The user's token; a new one for each call that revokes it (DELETE /tokens/current)."""
    if operation.label != "DELETE /tokens/current":
        return lambda: api.headers(username)

    def fresh() -> dict:
        token, _ = api_tokens.issue(one(User, username=username), timedelta(hours=1))
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}
    return fresh


def fuzz(operation, headers) -> list[str]:
    """Both modes of one operation; what failed, as schemathesis reports it."""
    failures = []
    for mode in GenerationMode:
        @BOUNDED
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            case.call_and_validate(headers=headers(), checks=CHECKS)
        try:
            call()
        except Unsatisfiable:  # nothing in the operation can be made invalid (no parameters, no body)
            assert mode is GenerationMode.NEGATIVE, operation.label
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001  (every operation runs; all are listed)
            failures.append(f"--- {operation.label} ({mode}):\n{failure}")
    return failures


def operations(schema) -> list:
    """Every operation; signing in last (its failures throttle the address)."""
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(found, key=lambda operation: operation.label == "POST /tokens")


@pytest.mark.parametrize("username", ["admin", "clerk_hanfeng"])
def test_every_operation_answers_as_documented(api, schema, username):
    failures = [failure for operation in operations(schema)
                for failure in fuzz(operation, headers_for(api, username, operation))]
    assert failures == [], "\n\n".join(failures)


def test_the_other_roles_operations_answer_as_documented(api, schema):
    failures = []
    for username, label in OTHER_ROLES:
        method, path = label.split(" ", 1)
        failures += fuzz(schema[path][method], headers_for(api, username, schema[path][method]))
    assert failures == [], "\n\n".join(failures)


def test_every_kind_of_task_is_answered_as_documented(api, schema, world, tasks):
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    for task in tasks:
        holder = sorted(expected_holders(world, task))[0]
        for path, method, username in (("/tasks", "GET", holder), ("/tasks/{task_id}", "GET", "supervisor"),
                                       ("/tasks/{task_id}", "GET", holder), ("/tasks/{task_id}/claim", "POST", holder),
                                       ("/tasks/{task_id}/claim", "POST", "clerk_zhaojia")):
            case = schema[path][method].Case(path_parameters={"task_id": task.id} if "{" in path else {})
            case.call_and_validate(headers=api.headers(username), checks=checks)

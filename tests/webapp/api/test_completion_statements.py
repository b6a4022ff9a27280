"""The SQL statements of each completion step, pinned (issue 12: "a test fails if a change adds
statements"). Counted over the whole request through the JSON API, as a bank officer's client sends
it: the token and user (one statement), the business date (one per request), the task with its
instance, version and loan (one), the step's own reads and writes, the inbox rows, the state, and the
audit event. A change that adds a statement to a step makes this fail: lower the pin when a change
removes one, raise it only with a reason in the commit.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from models import db
from tests.factories import make_household, ready_task, register
from workflows import clock

from .test_tasks import APPROVAL, ELIGIBLE, INVESTIGATION

STEPS = [
    ("confirm_eligibility", "bureau", ELIGIBLE),
    ("investigate_credit", "officer_rcb", INVESTIGATION),
    ("approve_loan", "approver_rcb", APPROVAL),
    ("disburse_loan", "officer_rcb", {"contract_number": "KZ-STMT", "account_number": "6228480000001"}),
]
# statements per step through POST /api/v1/tasks/<id>/complete; see the module docstring
PINNED = {"confirm_eligibility": 9, "investigate_credit": 11, "approve_loan": 12, "disburse_loan": 15}


@contextmanager
def counted():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def complete_all_steps(api, world) -> dict[str, list[str]]:
    loan = register(world, make_household("hanfeng"))
    seen = {}
    for name, user, data in STEPS:
        task_id = ready_task(loan.id, name).id
        api.headers(user)  # the token is issued before counting
        if name == "disburse_loan":
            data = {**data, "disbursed_on": clock.today().isoformat()}
        db.session.remove()  # a request starts with an empty session
        with counted() as statements:
            answer = api.post(f"/tasks/{task_id}/complete", as_=user, json=data)
        assert answer.status_code == 200, answer.get_json()
        seen[name] = statements
    return seen


def test_each_step_sends_no_more_statements_than_pinned(api, world):
    complete_all_steps(api, world)  # the first loan warms the spec cache
    seen = complete_all_steps(api, world)
    counts = {name: len(statements) for name, statements in seen.items()}
    assert counts == PINNED, "\n\n".join(f"{name}:\n  " + "\n  ".join(" ".join(s.split())[:120] for s in seen[name])
                                         for name in seen)


@pytest.mark.parametrize("name", [step[0] for step in STEPS])
def test_no_step_reads_the_diagram_sources_or_reads_a_row_twice(api, world, name):
    complete_all_steps(api, world)
    statements = [" ".join(s.split()) for s in complete_all_steps(api, world)[name]]
    assert not any("process_versions.sources" in s for s in statements)
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == len(set(selects)), selects
    assert sum("FROM policy_settings" in s for s in statements) <= 1  # the settings once per step

"""Refused attempts leave exactly one ``attempt_refused`` event (code, actor, task or application), the
same whether the service, the API or the page was asked; the refused change writes nothing else, the
chain still verifies and the audit search finds the event. Unknown ids and bad input leave none."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import AuditChainHead, AuditEvent, HumanTask, ProcessInstance, db
from tests.factories import APPROVAL, INVESTIGATION, PASSWORD, application, drive, make_household, ready_task, register
from tests.factories_tasks import as_form
from workflows import accounts, audit, audit_search, loans
from workflows.audit import jsonable
from workflows.errors import DomainError
from workflows.tasks import claims, service

UNAUDITED = {AuditEvent.__table__.name, AuditChainHead.__table__.name}


def snapshot() -> dict[str, list]:
    """Every row of every table but the audit trail's."""
    return {table.name: sorted(db.session.execute(sa.select(table)).all(), key=repr)
            for table in db.metadata.sorted_tables if table.name not in UNAUDITED}


def events_after(last_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)))


def last_event_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))


@dataclass
class Attempt:
    task: HumanTask
    username: str
    data: dict
    version: int | None = None


def at_investigation(world) -> HumanTask:
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    return ready_task(loan.id, "investigate_credit")


def four_eyes(world) -> Attempt:
    world.users["dual_rcb"] = accounts.create_user("dual_rcb", PASSWORD, ["bank_officer", "bank_approver"],
                                                   bank="cqrcb")
    task = at_investigation(world)
    service.complete_task(world.actor("dual_rcb"), task.id, INVESTIGATION)
    return Attempt(ready_task(task.loan_id, "approve_loan"), "dual_rcb", APPROVAL)


def outside_scope(world) -> Attempt:
    return Attempt(at_investigation(world), "officer_psbc", INVESTIGATION)


def claimed(world) -> Attempt:
    task = at_investigation(world)
    claims.claim(world.actor("officer_rcb"), task.id)
    return Attempt(task, "officer2_rcb", INVESTIGATION)


def stale(world) -> Attempt:
    task = at_investigation(world)
    version = db.session.get(ProcessInstance, task.process_instance_id).version
    return Attempt(task, "officer_rcb", INVESTIGATION, version - 1)


def already_completed(world) -> Attempt:
    task = at_investigation(world)
    service.complete_task(world.actor("officer_rcb"), task.id, INVESTIGATION)
    return Attempt(task, "officer2_rcb", INVESTIGATION)


def over_the_rate_cap(world) -> Attempt:
    loan = register(world, make_household())
    drive(world, loan.id, until="approve_loan")
    return Attempt(ready_task(loan.id, "approve_loan"), "approver_rcb", {**APPROVAL, "annual_rate": Decimal("99.00")})


KINDS = {  # the refusal's code: how to bring it about, and the page's status for it
    "four_eyes": (four_eyes, 403), "forbidden": (outside_scope, 403), "claimed": (claimed, 403),
    "stale": (stale, 409), "already_completed": (already_completed, 409), "rate_over_cap": (over_the_rate_cap, 422)}


def caller(entry: str, username: str, world, client, login):
    """How ``username`` tries to complete a task through ``entry`` (signed in first: a sign-in is an event
    of its own); the function returns the refusal's code (the page: its status)."""
    if entry == "service":
        def by_service(attempt: Attempt):
            with pytest.raises(DomainError) as refused:
                service.complete_task(world.actor(username), attempt.task.id, attempt.data, attempt.version)
            return refused.value.codes[0]
        return by_service
    if entry == "api":
        headers = login.token(username)

        def by_api(attempt: Attempt):
            body = {**jsonable(attempt.data), "instance_version": attempt.version}
            return client.post(f"/api/v1/tasks/{attempt.task.id}/complete", headers=headers,
                               json=body).get_json()["codes"][0]
        return by_api
    signed_in = login(username)

    def by_page(attempt: Attempt):
        version = attempt.version or db.session.get(ProcessInstance, attempt.task.process_instance_id).version
        return signed_in.post(f"/tasks/{attempt.task.id}",
                              data={**as_form(attempt.data), "instance_version": version}).status_code
    return by_page


@pytest.mark.parametrize("entry", ["service", "api", "page"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_refused_completion_leaves_one_attempt_refused_event_and_writes_nothing_else(
        world, client, login, kind, entry):
    make, status = KINDS[kind]
    attempt = make(world)
    db.session.commit()
    attempt_with = caller(entry, attempt.username, world, client, login)
    before, last = snapshot(), last_event_id()
    assert attempt_with(attempt) == (status if entry == "page" else kind)
    events = events_after(last)
    assert [(e.action, e.codes, e.actor_name, e.task_name, e.loan_id, e.process_instance_id) for e in events] == [
        ("attempt_refused", [kind], attempt.username, attempt.task.name, attempt.task.loan_id,
         attempt.task.process_instance_id)]
    assert events[0].after["task_id"] == attempt.task.id
    assert snapshot() == before and audit.verify().ok
    found = audit_search.search(world.users["supervisor"], audit_search.AuditFilters(action="attempt_refused"))
    assert [e.id for e in found.items] == [events[0].id]


@pytest.mark.parametrize("entry", ["service", "api"])
@pytest.mark.parametrize("kind", ["already_completed", "claimed", "forbidden", "four_eyes"])
def test_each_refused_claim_leaves_one_attempt_refused_event(world, client, login, kind, entry):
    attempt = KINDS[kind][0](world)
    db.session.commit()
    headers = login.token(attempt.username)
    before, last = snapshot(), last_event_id()
    if entry == "service":
        with pytest.raises(DomainError):
            claims.claim(world.actor(attempt.username), attempt.task.id)
    else:
        assert client.post(f"/api/v1/tasks/{attempt.task.id}/claim", headers=headers).get_json()["codes"] == [kind]
    (event,) = events_after(last)
    assert (event.action, event.codes, event.actor_name, event.task_name, event.after["use_case"]) == (
        "attempt_refused", [kind], attempt.username, attempt.task.name, "claim_task")
    assert snapshot() == before and audit.verify().ok


@pytest.mark.parametrize("entry", ["service", "api", "page"])
def test_a_policy_refusal_at_registration_leaves_one_attempt_refused_event_and_no_loan(world, client, login, entry):
    household = make_household()
    data = application(household, amount=Decimal("50000.01"))
    headers, signed_in = login.token("clerk_hanfeng"), login("clerk_hanfeng")
    before, last = snapshot(), last_event_id()
    if entry == "service":
        with pytest.raises(DomainError) as refused:
            loans.register_application(world.actor("clerk_hanfeng"), data)
        assert refused.value.codes == ("amount_over_cap",)
    elif entry == "api":
        answer = client.post("/api/v1/loans", headers=headers, json=jsonable(data))
        assert answer.status_code == 422 and answer.get_json()["codes"] == ["amount_over_cap"]
    else:
        assert signed_in.post("/applications/new", data=as_form(data)).status_code == 422
    (event,) = events_after(last)
    assert (event.action, event.codes, event.actor_name, event.task_name, event.loan_id) == (
        "attempt_refused", ["amount_over_cap"], "clerk_hanfeng", "register_application", None)
    assert (event.household_id, event.township_id) == (household.id, household.township_id)
    assert event.after["application"]["amount"] == "50000.01" and event.after["use_case"] == "register_application"
    assert snapshot() == before and audit.verify().ok
    found = audit_search.search(world.users["supervisor"], audit_search.AuditFilters(action="attempt_refused"))
    assert [e.id for e in found.items] == [event.id]


UNKNOWN_TASK = 2**31 - 2


@pytest.mark.parametrize("entry", ["service", "api", "page"])
@pytest.mark.parametrize("problem", ["unknown task", "bad input"])
def test_an_unknown_task_or_bad_input_leaves_no_event(world, client, login, entry, problem):
    task = at_investigation(world)
    task_id = UNKNOWN_TASK if problem == "unknown task" else task.id
    data = {**INVESTIGATION, "typename": "x"} if entry == "service" else {"grade": "AAA"}
    headers, signed_in = login.token("officer_rcb"), login("officer_rcb")
    before, last = snapshot(), last_event_id()
    if entry == "service":
        with pytest.raises(DomainError) as refused:
            service.complete_task(world.actor("officer_rcb"), task_id, data)
        answered = refused.value.codes[0]
    elif entry == "api":
        answered = client.post(f"/api/v1/tasks/{task_id}/complete", headers=headers, json=data).get_json()["codes"][0]
    else:
        answered = signed_in.post(f"/tasks/{task_id}", data=data).status_code
    assert answered in (("not_found", 404) if problem == "unknown task" else ("invalid", 422))
    assert events_after(last) == [] and snapshot() == before
    assert db.session.get(HumanTask, task.id).state == "ready"

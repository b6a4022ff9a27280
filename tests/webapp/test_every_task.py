"""Every user task of the bundled diagrams on its page and over the API: its holders get the form,
the supervisor reads it, everybody else is refused; one instance is completed by posting the page's
form, another by the API with the JSON its described fields call for."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import HumanTask, Loan, ProcessInstance, db
from tests.factories import application, make_household
from tests.factories_tasks import DRIVERS, as_form, as_json, expected_holders, user_tasks

SUPERVISOR = "supervisor"


def version(task: HumanTask) -> int:
    return db.session.get(ProcessInstance, task.process_instance_id).version


def completed_by(task: HumanTask) -> str | None:
    db.session.expire_all()
    row = db.session.get(HumanTask, task.id)
    return row.completed_by.username if row.state == "completed" and row.completed_by else None


@pytest.mark.parametrize("name", sorted(DRIVERS))
def test_each_task_page_shows_its_form_to_its_holders_only_and_completes_by_posting_it(login, world, name):
    reached = DRIVERS[name].reach(world)
    task, holders = reached.task, expected_holders(world, reached.task)
    answers = DRIVERS[name].answers(reached.day)
    with reached.acting():
        for username in sorted(world.users):
            answer = login(username).get(f"/tasks/{task.id}")
            html = answer.get_data(as_text=True)
            if username in holders:
                assert answer.status_code == 200 and 'id="task-form"' in html, username
                assert all(f'name="{field}"' in html for field in answers), username
            elif username == SUPERVISOR:
                assert answer.status_code == 200 and 'id="read-only-note"' in html and 'id="task-form"' not in html
            else:
                assert answer.status_code == 403, username
        actor = sorted(holders)[0]
        done = login(actor).post(f"/tasks/{task.id}", data={**as_form(answers),
                                                                "instance_version": version(task)})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert completed_by(task) == actor


@pytest.mark.parametrize("name", sorted(DRIVERS))
def test_each_task_completes_over_the_api_with_the_fields_it_describes(client, login, world, name):
    reached = DRIVERS[name].reach(world)
    task = reached.task
    actor = sorted(expected_holders(world, task))[0]
    outsider = sorted(set(world.users) - expected_holders(world, task) - {SUPERVISOR})[0]
    headers = {username: login.token(username) for username in (actor, outsider, SUPERVISOR)}
    with reached.acting():
        assert client.get(f"/api/v1/tasks/{task.id}", headers=headers[outsider]).status_code == 403
        assert client.get(f"/api/v1/tasks/{task.id}", headers=headers[SUPERVISOR]).status_code == 200
        detail = client.get(f"/api/v1/tasks/{task.id}", headers=headers[actor]).get_json()
        assert (detail["name"], detail["role"], detail["form"]) == (name, task.role, user_tasks()[name].form)
        body = as_json(DRIVERS[name].answers(reached.day), detail["fields"])
        answer = client.post(f"/api/v1/tasks/{task.id}/complete", headers=headers[actor],
                             json={**body, "instance_version": detail["instance_version"]})
    assert answer.status_code == 200, answer.get_json()
    done = answer.get_json()
    assert done["task"]["state"] == "completed" and completed_by(task) == actor
    assert done["process_instance"]["id"] == task.process_instance_id
    assert done["process_instance"]["process"] == detail["process"]
    assert done["loan"] is None if task.loan_id is None else done["loan"]["id"] == task.loan_id


def registered_task(household) -> HumanTask:
    return db.session.scalars(sa.select(HumanTask).join(Loan, Loan.id == HumanTask.loan_id).where(
        Loan.household_id == household.id, HumanTask.name == "register_application")).one()


def test_registration_completes_its_user_task_on_the_page_and_over_the_api(client, login, world):
    by_page, by_api = make_household(), make_household()
    form = {**as_form(application(by_page)), "instance_version": ""}
    assert login("officer_rcb").post("/applications/new", data=form).status_code == 403
    assert login("clerk_hanfeng").post("/applications/new", data=form).status_code == 302
    body = {**application(by_api), "amount": str(application(by_api)["amount"])}
    answer = client.post("/api/v1/loans", headers=login.token("clerk_hanfeng"), json=body)
    assert answer.status_code == 201, answer.get_json()
    for household in (by_page, by_api):
        assert completed_by(registered_task(household)) == "clerk_hanfeng"

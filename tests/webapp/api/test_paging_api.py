"""``cursor`` / ``next_cursor`` / ``total_capped`` on ``GET /api/v1/tasks`` and ``GET /api/v1/loans``, for every
role: cursor pages hold what one big page holds, numbered pages still work, a bad cursor is 422."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from models import HumanTask, db
from tests.factories import drive, make_household, ready_task, register

ROLES = ["clerk_hanfeng", "clerk_dade", "bureau", "officer_rcb", "approver_rcb", "officer_psbc", "finance",
         "supervisor", "admin"]


@pytest.fixture
def waiting(world):
    """Loans at three steps, each step's inbox row repeated so every role that has tasks has pages."""
    first = register(world, make_household("hanfeng"))
    second = register(world, make_household("hanfeng"))
    drive(world, second.id, until="investigate_credit")
    third = register(world, make_household("hanfeng"))
    register(world, make_household("dade"), clerk="clerk_dade", bank="psbc")
    drive(world, third.id, until="approve_loan")
    for task in db.session.scalars(db.select(HumanTask).where(HumanTask.state == "ready")).all():
        db.session.add_all(HumanTask(process_instance_id=task.process_instance_id, loan_id=task.loan_id,
                                     spiff_task_id=str(uuid.uuid4()), name=task.name, title=task.title, form=task.form,
                                     role=task.role, township_id=task.township_id, bank_id=task.bank_id,
                                     created_at=task.created_at, due_at=None if i == 2 else task.due_at + timedelta(hours=i))
                           for i in range(4))
    db.session.commit()
    return [first, second, third]  # and a 大德镇 / 邮储 application


def walk(api, path: str, username: str, per_page: int) -> list[int]:
    ids, cursor = [], None
    while True:
        answer = api.get(f"{path}?per_page={per_page}" + (f"&cursor={cursor}" if cursor else ""), as_=username)
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert body["total_capped"] is False
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


@pytest.mark.parametrize("username", ROLES)
def test_task_pages_by_cursor_hold_every_task_once(api, waiting, username):
    whole = api.get("/tasks?per_page=100", as_=username).get_json()
    ids = [item["id"] for item in whole["items"]]
    assert whole["total"] == len(ids) and whole["next_cursor"] is None
    assert walk(api, "/tasks", username, 2) == ids
    numbered = [item["id"] for page in (1, 2, 3, 4, 5, 6, 7, 8)
                for item in api.get(f"/tasks?per_page=2&page={page}", as_=username).get_json()["items"]]
    assert numbered == ids


@pytest.mark.parametrize("username", ROLES)
def test_loan_pages_by_cursor_hold_every_loan_once(api, waiting, username):
    whole = api.get("/loans?per_page=100&sort=amount", as_=username).get_json()
    ids = [item["id"] for item in whole["items"]]
    assert whole["total"] == len(ids)
    found, cursor = [], None
    while True:
        body = api.get("/loans?per_page=1&sort=amount" + (f"&cursor={cursor}" if cursor else ""),
                       as_=username).get_json()
        found += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert found == ids


@pytest.mark.parametrize("path", ["/tasks", "/loans"])
# the third: a well-formed cursor of the order "-due" (the lists here are in "due" and "-id" order)
@pytest.mark.parametrize("cursor", ["garbage", "a b", "WyItZHVlIixudWxsLDEsImYiXQ", "x" * 600, ""])
def test_a_bad_cursor_is_422(api, waiting, path, cursor):
    answer = api.get(f"{path}?cursor={cursor}", as_="supervisor")
    assert answer.status_code == 422 and "cursor" in answer.get_json()["errors"]


def test_a_cursor_of_another_order_is_422(api, waiting):
    cursor = api.get("/loans?per_page=1&sort=amount", as_="supervisor").get_json()["next_cursor"]
    assert api.get(f"/loans?sort=-id&cursor={cursor}", as_="supervisor").status_code == 422
    assert api.get(f"/tasks?cursor={cursor}", as_="supervisor").status_code == 422

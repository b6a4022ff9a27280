"""The inbox page: sign-in, each role's rows, tabs, claim / give back / hand over, CSRF."""
from __future__ import annotations

import pytest

from models import AuditEvent, HumanTask, db
from tests.conftest import count
from tests.factories import PASSWORD, drive, make_household, ready_task, register
from webapp import create_app

ALL_USERS = ["admin", "clerk_hanfeng", "clerk_dade", "clerk_zhaojia", "bureau", "officer_rcb", "officer2_rcb",
             "approver_rcb", "approver2_rcb", "officer_psbc", "approver_psbc", "finance", "supervisor"]


@pytest.fixture
def login(client, world):
    def sign_in(username: str):
        client.post("/logout")
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
        return client
    return sign_in


@pytest.fixture
def task(world) -> HumanTask:
    """A 汉丰街道 / 农商行 loan waiting for the pre-loan investigation."""
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, until="investigate_credit")
    return ready_task(loan.id, "investigate_credit")


def row_ids(answer) -> list[str]:
    html = answer.get_data(as_text=True)
    return [part.split('"')[0] for part in html.split('data-task-id="')[1:]]


def test_anonymous_users_are_sent_to_sign_in(client):
    answer = client.get("/inbox")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.parametrize("username", ALL_USERS)
def test_every_role_opens_its_inbox(login, task, username):
    answer = login(username).get("/inbox")
    assert answer.status_code == 200
    sees = username in ("officer_rcb", "officer2_rcb", "supervisor")
    assert (row_ids(answer) == [str(task.id)]) is sees, username


def test_the_rows_show_the_loan_and_the_task_in_chinese(login, task):
    html = login("officer_rcb").get("/inbox").get_data(as_text=True)
    assert "贷前调查与评级" in html and "测试户" in html and "30,000.00" in html and "汉丰街道" in html
    assert f"/inbox/tasks/{task.id}/claim" in html and f'href="/tasks/{task.id}"' in html


def test_supervisors_read_all_tasks_without_buttons(login, task):
    answer = login("supervisor").get("/inbox")
    html = answer.get_data(as_text=True)
    assert row_ids(answer) == [str(task.id)] and "/claim" not in html and "/reassign" not in html
    assert login("officer_rcb").get("/inbox?view=all").status_code == 403


def test_claim_moves_the_task_to_mine_and_away_from_colleagues(login, world, task):
    client = login("officer_rcb")
    answer = client.post(f"/inbox/tasks/{task.id}/claim?view=available")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/inbox?view=available")
    assert row_ids(client.get("/inbox?view=mine")) == [str(task.id)]
    assert f"/inbox/tasks/{task.id}/unclaim" in client.get("/inbox").get_data(as_text=True)
    assert row_ids(login("officer2_rcb").get("/inbox")) == []
    assert world.users["officer_rcb"].display_name in login("supervisor").get("/inbox").get_data(as_text=True)


def test_a_lost_claim_is_a_message_not_an_error(login, task):
    login("officer_rcb").post(f"/inbox/tasks/{task.id}/claim")
    answer = login("officer2_rcb").post(f"/inbox/tasks/{task.id}/claim", follow_redirects=True)
    assert answer.status_code == 200 and "同事刚刚认领或转办了该任务" in answer.get_data(as_text=True)


def test_give_back_and_hand_over(login, world, task):
    client = login("officer_rcb")
    client.post(f"/inbox/tasks/{task.id}/claim")
    assert client.post(f"/inbox/tasks/{task.id}/unclaim").status_code == 302
    assert db.session.get(HumanTask, task.id).assignee_id is None
    assert 'value="officer2_rcb"' in client.get("/inbox").get_data(as_text=True)
    assert client.post(f"/inbox/tasks/{task.id}/reassign", data={"to_username": "officer2_rcb"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id == world.users["officer2_rcb"].id
    assert count(AuditEvent, action="task_reassigned") == 1


def test_hand_over_to_someone_outside_the_bank_is_refused(login, task):
    answer = login("officer_rcb").post(f"/inbox/tasks/{task.id}/reassign", data={"to_username": "officer_psbc"},
                                       follow_redirects=True)
    assert "该同事在此任务所属的镇乡街道或银行中没有相应角色" in answer.get_data(as_text=True)
    assert db.session.get(HumanTask, task.id).assignee_id is None


@pytest.mark.parametrize("outsider", ["officer_psbc", "approver_rcb", "clerk_zhaojia", "supervisor"])
def test_outsiders_cannot_claim(login, task, outsider):
    assert login(outsider).post(f"/inbox/tasks/{task.id}/claim").status_code == 403


def test_filters_and_counts(login, world, task):
    client = login("supervisor")
    html = client.get("/inbox").get_data(as_text=True)
    assert 'href="/inbox?view=all&amp;task=investigate_credit"' in html
    assert row_ids(client.get("/inbox?view=all&task=approve_loan")) == []
    assert row_ids(client.get("/inbox?view=all&overdue=y")) == []
    assert row_ids(client.get(f"/inbox?view=all&township={task.township_id}")) == [str(task.id)]


def test_claiming_needs_the_csrf_token(database_url, world, task):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})  # CSRF on, as in production
    try:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(world.users["officer_rcb"].id)
        assert client.post(f"/inbox/tasks/{task.id}/claim").status_code == 400
    finally:
        with app.app_context():
            db.engine.dispose()
    assert db.session.get(HumanTask, task.id).assignee_id is None

"""Users and roles in the browser and the API (用户与角色): the administrator's pages and endpoints,
the temporary password shown once and changed at the next sign-in, refusals beside the fields,
and the inbox's 代理 mark. Who may reach the endpoints at all: tests/webapp/route_matrix/users.txt."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from models import AuditEvent, User, db
from tests.factories import drive, make_household, ready_task, register
from workflows import clock, user_admin
from workflows.tasks import claims


def user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def temporary_password(html: str) -> str:
    start = html.index('id="temporary-password">') + len('id="temporary-password">')
    return html[start:html.index("<", start)].strip()


def test_the_list_filters_and_links_each_user(login, world):
    admin = login("admin")
    page = admin.get("/admin/users?role=bank_approver&scope=cqrcb").get_data(as_text=True)
    assert 'data-username="approver_rcb"' in page and 'data-username="approver2_rcb"' in page
    assert 'data-username="officer_rcb"' not in page and "用户与角色" in page
    assert f'href="/admin/users/{world.users["approver_rcb"].id}"' in page


def test_a_new_user_with_two_roles_must_choose_a_password_first(app, login, world):
    admin = login("admin")
    created = admin.post("/admin/users/new", data={"username": "dual", "display_name": "双岗", "roles": [
        "bank_officer", "bank_approver"], "bank": "cqrcb", "township": ""})
    assert created.status_code == 201
    password = temporary_password(created.get_data(as_text=True))
    assert user("dual").roles == {"bank_officer", "bank_approver"}
    first = app.test_client()
    signed_in = first.post("/login", data={"username": "dual", "password": password})
    assert signed_in.status_code == 302
    assert first.get("/inbox").headers["Location"].endswith("/account/password")
    changed = first.post("/account/password", data={"old_password": password, "new_password": "my-own-secret",
                                                     "confirm": "my-own-secret"})
    assert changed.status_code == 302 and not user("dual").must_change_password
    assert first.get("/inbox").status_code == 200


def test_a_scope_that_does_not_fit_is_shown_beside_the_field_and_the_form_kept(login, world):
    answer = login("admin").post("/admin/users/new", data={"username": "clerk9", "display_name": "新镇",
                                                           "roles": ["township_clerk"], "bank": "cqrcb"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "user_scope_mismatch" in page and 'value="clerk9"' in page
    assert db.session.scalars(sa.select(User).where(User.username == "clerk9")).first() is None


def test_editing_deactivating_reactivating_and_resetting(app, login, world):
    admin, target = login("admin"), world.users["officer2_rcb"]
    saved = admin.post(f"/admin/users/{target.id}", data={"display_name": "改名", "roles": ["bank_approver"],
                                                           "bank": "cqrcb", "township": ""})
    assert saved.status_code == 302 and user("officer2_rcb").roles == {"bank_approver"}
    officer = login("officer2_rcb")
    admin.post(f"/admin/users/{target.id}/deactivate")
    assert not user("officer2_rcb").is_active
    assert officer.get("/inbox").status_code == 302  # the session ended
    admin.post(f"/admin/users/{target.id}/reactivate")
    reset = admin.post(f"/admin/users/{target.id}/password")
    password = temporary_password(reset.get_data(as_text=True))
    assert user("officer2_rcb").must_change_password
    assert app.test_client().post("/login", data={"username": "officer2_rcb", "password": password}).status_code == 302
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert {"user_updated", "user_deactivated", "user_reactivated", "password_reset"} <= set(actions)
    assert all(password not in str(e.after) for e in db.session.scalars(sa.select(AuditEvent)))


def test_an_administrator_cannot_deactivate_themself_or_drop_their_admin_role(login, world):
    admin, me = login("admin"), world.users["admin"]
    answer = admin.post(f"/admin/users/{me.id}/deactivate", follow_redirects=True)
    assert "cannot_deactivate_self" in answer.get_data(as_text=True) and user("admin").is_active
    dropped = admin.post(f"/admin/users/{me.id}", data={"display_name": "管理员", "roles": ["supervisor"]})
    assert dropped.status_code == 422 and "cannot_remove_own_admin" in dropped.get_data(as_text=True)
    assert user("admin").roles == {"admin"}


def test_a_delegation_shows_the_absent_colleagues_task_marked_with_their_name(login, world):
    loan = register(world, make_household())
    drive(world, loan.id, until="approve_loan")
    task = ready_task(loan.id, "approve_loan")
    claims.claim(world.actor("approver_rcb"), task.id)
    admin, today = login("admin"), clock.today()
    made = admin.post(f"/admin/users/{world.users['approver_rcb'].id}/delegations", data={
        "delegate": "approver2_rcb", "role": "bank_approver", "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=1)).isoformat()})
    assert made.status_code == 302
    page = login("approver2_rcb").get("/inbox").get_data(as_text=True)
    assert f'data-stand-in="{task.id}"' in page and "代理 农商行 赵敏" in page
    wrong = admin.post(f"/admin/users/{world.users['approver_rcb'].id}/delegations", data={
        "delegate": "approver2_rcb", "role": "bank_approver", "starts_on": today.isoformat(),
        "ends_on": (today - timedelta(days=1)).isoformat()})
    assert wrong.status_code == 422 and "delegation_period_invalid" in wrong.get_data(as_text=True)


def test_the_api_creates_edits_resets_and_delegates(app, login, world):
    api, headers = app.test_client(), login.token("admin")
    created = api.post("/api/v1/users", headers=headers, json={
        "username": "dual", "display_name": "双岗", "roles": ["bank_officer", "bank_approver"], "bank": "cqrcb"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["user"]["must_change_password"] and body["temporary_password"]
    user_id = body["user"]["id"]
    mismatch = api.patch(f"/api/v1/users/{user_id}", headers=headers, json={"township": "hanfeng"})
    assert mismatch.status_code == 422 and mismatch.get_json()["codes"] == ["user_scope_mismatch"]
    renamed = api.patch(f"/api/v1/users/{user_id}", headers=headers, json={"display_name": "双岗 二"})
    assert renamed.get_json()["user"]["display_name"] == "双岗 二"
    assert renamed.get_json()["user"]["roles"] == ["bank_approver", "bank_officer"]
    listed = api.get("/api/v1/users?role=bank_officer&scope=cqrcb&active=true", headers=headers).get_json()
    assert {u["username"] for u in listed["users"]} == {"dual", "officer_rcb", "officer2_rcb"}
    today = clock.today().isoformat()
    delegated = api.post(f"/api/v1/users/{world.users['approver_rcb'].id}/delegations", headers=headers,
                         json={"delegate": "dual", "role": "bank_approver", "starts_on": today, "ends_on": today})
    assert delegated.status_code == 201, delegated.get_json()
    ended = api.post(f"/api/v1/delegations/{delegated.get_json()['delegation']['id']}/end", headers=headers)
    assert ended.get_json()["delegation"]["ended_at"]
    reset = api.post(f"/api/v1/users/{user_id}/password-reset", headers=headers).get_json()
    assert reset["temporary_password"] != body["temporary_password"]
    own = api.post(f"/api/v1/users/{world.users['admin'].id}/deactivate", headers=headers)
    assert own.status_code == 422 and own.get_json()["codes"] == ["cannot_deactivate_self"]
    gone = api.post(f"/api/v1/users/{user_id}/deactivate", headers=headers).get_json()
    assert gone["user"]["is_active"] is False and gone["released_tasks"] == 0
    assert user_admin.get_user("dual").is_active is False

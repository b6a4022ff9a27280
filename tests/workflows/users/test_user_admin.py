"""用户与角色管理 as the service does it: create with several roles and one scope, edit, deactivate
(claims back to the pool, sessions end), reactivate, reset a password (temporary, changed at the
next sign-in), the administrator's own account, and every change audited without a password."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AuditEvent, HumanTask, User, db
from tests.factories import drive, make_household, ready_task, register
from workflows import accounts, user_admin
from workflows.errors import FormInvalidError, PolicyViolationError
from workflows.tasks import claims


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_user_with_two_bank_roles_gets_a_temporary_password_and_is_audited(world):
    user, password = user_admin.create_user(world.actor("admin"), "dual", "双岗", ["bank_officer", "bank_approver"],
                                            bank="cqrcb")
    assert user.roles == {"bank_officer", "bank_approver"} and user.bank.code == "cqrcb" and user.township is None
    assert user.must_change_password and len(password) >= accounts.MIN_PASSWORD_LENGTH
    event = events("user_created")[-1]
    assert event.after["roles"] == ["bank_approver", "bank_officer"] and event.after["bank"] == "cqrcb"
    assert password not in str(event.after) and "password_hash" not in event.after


@pytest.mark.parametrize("roles, township, bank, fields", [
    (["township_clerk"], None, None, {"township"}),  # a township role needs a township
    (["bank_officer"], "hanfeng", None, {"township", "bank"}),  # a bank role needs a bank, not a township
    (["rural_bureau"], None, "cqrcb", {"bank"}),  # district roles need no scope
    (["township_clerk", "bank_officer"], "hanfeng", "cqrcb", {"roles"}),  # one scope per user
    (["bank_officer"], None, "no_such_bank", {"bank"}),
])
def test_the_scope_must_fit_the_roles(world, roles, township, bank, fields):
    with pytest.raises(PolicyViolationError) as refused:
        user_admin.create_user(world.actor("admin"), "newbie", "新人", roles, township, bank)
    assert refused.value.codes == ("user_scope_mismatch",)
    assert set(refused.value.field_errors) >= fields
    assert db.session.scalars(sa.select(User).where(User.username == "newbie")).first() is None


def test_fitting_scopes_are_accepted(world):
    actor = world.actor("admin")
    assert user_admin.create_user(actor, "c1", "", ["township_clerk"], "hanfeng")[0].township.code == "hanfeng"
    assert user_admin.create_user(actor, "d1", "", ["rural_bureau", "supervisor"])[0].bank is None
    assert user_admin.create_user(actor, "c2", "", ["township_clerk", "supervisor"], "hanfeng")[0].roles == {
        "township_clerk", "supervisor"}


def test_user_names_are_unique_and_plain(world):
    with pytest.raises(FormInvalidError) as taken:
        user_admin.create_user(world.actor("admin"), "OFFICER_RCB", "", ["rural_bureau"])
    assert taken.value.field_errors == {"username": ["username_taken"]}
    with pytest.raises(FormInvalidError) as odd:
        user_admin.create_user(world.actor("admin"), "张 三", "", ["rural_bureau"])
    assert odd.value.field_errors == {"username": ["invalid_username"]}
    with pytest.raises(FormInvalidError):
        user_admin.create_user(world.actor("admin"), "x1", "", [])


def test_editing_roles_releases_claims_outside_them_and_records_before_and_after(world):
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    task = ready_task(loan.id, "investigate_credit")
    claims.claim(world.actor("officer_rcb"), task.id)
    user_admin.edit_user(world.actor("admin"), "officer_rcb", "改名", ["bank_approver"], bank="cqrcb")
    assert db.session.get(HumanTask, task.id).assignee_id is None
    event = events("user_updated")[-1]
    assert event.before["roles"] == ["bank_officer"] and event.after["roles"] == ["bank_approver"]
    assert event.after["display_name"] == "改名" and event.after["released_tasks"] == 1


def test_deactivating_releases_claims_and_ends_sessions_and_reactivating_lets_in_again(world):
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    task = ready_task(loan.id, "investigate_credit")
    claims.claim(world.actor("officer_rcb"), task.id)
    generation = world.users["officer_rcb"].session_generation
    assert user_admin.deactivate(world.actor("admin"), "officer_rcb") == 1
    officer = db.session.get(User, world.users["officer_rcb"].id)
    assert not officer.is_active and officer.session_generation == generation + 1
    assert db.session.get(HumanTask, task.id).assignee_id is None
    assert events("user_deactivated")[-1].after["released_tasks"] == 1
    assert user_admin.deactivate(world.actor("admin"), "officer_rcb") == 0  # no second event
    assert len(events("user_deactivated")) == 1
    assert user_admin.reactivate(world.actor("admin"), "officer_rcb").is_active
    assert events("user_reactivated")[-1].before["is_active"] is False


def test_an_administrator_keeps_their_own_account_and_admin_role(world):
    with pytest.raises(PolicyViolationError) as own:
        user_admin.deactivate(world.actor("admin"), "admin")
    assert own.value.codes == ("cannot_deactivate_self",)
    with pytest.raises(PolicyViolationError) as role:
        user_admin.edit_user(world.actor("admin"), "admin", "管理员", ["supervisor"])
    assert role.value.codes == ("cannot_remove_own_admin",)
    assert db.session.get(User, world.users["admin"].id).roles == {"admin"}
    other, _ = user_admin.create_user(world.actor("admin"), "admin2", "", ["admin"])
    user_admin.edit_user(world.actor("admin"), "admin2", "", ["supervisor"])  # another admin's role: allowed
    assert other.roles == {"supervisor"}


def test_a_reset_password_is_temporary_and_the_change_clears_the_flag(world):
    old_hash = world.users["bureau"].password_hash
    password = user_admin.reset_password(world.actor("admin"), "bureau")
    bureau = db.session.get(User, world.users["bureau"].id)
    assert bureau.must_change_password and bureau.password_hash != old_hash
    event = events("password_reset")[-1]
    assert password not in str(event.after) and password not in str(event.before)
    with pytest.raises(FormInvalidError):
        accounts.change_password(bureau, password, "short")  # the CLI's password policy
    accounts.change_password(bureau, password, "a-new-secret-1")
    assert not db.session.get(User, bureau.id).must_change_password


def test_the_list_filters_by_text_role_scope_and_state(world):
    user_admin.deactivate(world.actor("admin"), "approver2_rcb")
    names = lambda **f: [u.username for u in user_admin.list_users(user_admin.UserFilter(**f))]  # noqa: E731
    assert names(role="bank_approver") == ["approver2_rcb", "approver_psbc", "approver_rcb"]
    assert names(role="bank_approver", active=True) == ["approver_psbc", "approver_rcb"]
    assert names(scope="hanfeng") == ["clerk_hanfeng"]
    assert set(names(scope="cqrcb")) == {"approver2_rcb", "approver_rcb", "officer_rcb", "officer2_rcb"}
    assert names(q="zhaojia") == ["clerk_zhaojia"]
    assert "admin" in names(active=True) and "approver2_rcb" in names(active=False)

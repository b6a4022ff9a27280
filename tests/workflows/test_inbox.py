"""The inbox query: one indexed query, scoped by role, township and bank; supervisors read all."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from models import HumanTask, db
from workflows import clock
from workflows.errors import ForbiddenError
from workflows.tasks import claims, inbox

from ..factories import drive, make_household, ready_task, register


def names(world, username: str, **kwargs) -> list[tuple[int, str]]:
    rows = db.session.execute(inbox.inbox_query(world.users[username], **kwargs)).all()
    return [(row.Loan.id, row.HumanTask.name) for row in rows]


@pytest.fixture
def loans(world):
    """A hanfeng loan at cqrcb waiting for investigation, a dade loan at psbc waiting for the bureau,
    and a township task (a post-loan visit) of the hanfeng loan."""
    hanfeng = register(world, make_household("hanfeng"))
    drive(world, hanfeng.id, until="investigate_credit")
    dade = register(world, make_household("dade"), clerk="clerk_dade", bank="psbc")
    task = ready_task(hanfeng.id, "investigate_credit")
    db.session.add(HumanTask(process_instance_id=task.process_instance_id, loan_id=hanfeng.id, spiff_task_id="visit-1",
                             name="post_loan_visit", title="贷后走访", form="PostLoanVisitForm", role="township_clerk",
                             township_id=hanfeng.township_id, bank_id=hanfeng.bank_id, created_at=clock.now()))
    db.session.commit()
    return hanfeng, dade


def test_each_role_sees_its_scope_only(world, loans):
    hanfeng, dade = loans
    assert names(world, "officer_rcb") == [(hanfeng.id, "investigate_credit")]
    assert names(world, "officer2_rcb") == [(hanfeng.id, "investigate_credit")]
    assert names(world, "officer_psbc") == []
    assert names(world, "bureau") == [(dade.id, "confirm_eligibility")]
    assert names(world, "clerk_hanfeng") == [(hanfeng.id, "post_loan_visit")]
    for outsider in ("clerk_zhaojia", "clerk_dade", "approver_rcb", "approver_psbc", "finance", "admin"):
        assert names(world, outsider) == [], outsider


def test_supervisors_read_every_ready_task(world, loans):
    assert len(names(world, "supervisor", view="all")) == 3
    assert names(world, "supervisor") == []  # nothing of their own to do
    with pytest.raises(ForbiddenError):
        inbox.inbox_query(world.users["officer_rcb"], view="all")


def test_claimed_tasks_leave_colleagues_available_view(world, loans):
    hanfeng, _dade = loans
    claims.claim(world.actor("officer_rcb"), ready_task(hanfeng.id, "investigate_credit").id)
    assert names(world, "officer2_rcb") == [] and names(world, "officer2_rcb", view="mine") == []
    assert names(world, "officer_rcb", view="mine") == [(hanfeng.id, "investigate_credit")]
    assert names(world, "officer_rcb") == [(hanfeng.id, "investigate_credit")]
    row = db.session.execute(inbox.inbox_query(world.users["supervisor"], view="all",
                                               task_name="investigate_credit")).one()
    assert row.assignee_name == world.users["officer_rcb"].display_name


def test_filters_by_kind_township_and_overdue(world, loans):
    hanfeng, dade = loans
    supervisor = world.users["supervisor"]
    assert names(world, "supervisor", view="all", task_name="confirm_eligibility") == [(dade.id, "confirm_eligibility")]
    assert {n for n in names(world, "supervisor", view="all", township_id=hanfeng.township_id)} == {
        (hanfeng.id, "investigate_credit"), (hanfeng.id, "post_loan_visit")}
    assert names(world, "supervisor", view="all", overdue_only=True) == []
    with clock.frozen(datetime.now(timezone.utc) + timedelta(days=30)):
        assert len(names(world, "supervisor", view="all", overdue_only=True)) == 2  # the visit has no due date
    assert inbox.counts_by_task(supervisor, "all") == {
        "confirm_eligibility": 1, "investigate_credit": 1, "post_loan_visit": 1}
    assert inbox.counts_by_task(world.users["officer_psbc"]) == {}


def test_an_inactive_user_sees_nothing(world, loans):
    world.users["officer_rcb"].is_active = False
    assert names(world, "officer_rcb") == []


def test_the_next_task_is_the_oldest_due_first(world, loans):
    hanfeng, _dade = loans
    officer = world.users["officer_rcb"]
    first = inbox.next_task(officer)
    assert first.name == "investigate_credit" and inbox.next_task(officer, after_id=first.id) is None


def test_the_inbox_is_one_query(world, loans):
    user = world.users["supervisor"]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = db.session.execute(inbox.inbox_query(user, view="all")).all()
        _ = [(r.township_name, r.bank_name, r.Household.name, r.assignee_name) for r in rows]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "human_tasks" in statements[0]

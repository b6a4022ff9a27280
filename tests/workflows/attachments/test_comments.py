"""A loan's comment thread: whoever may see the loan writes and reads it; a comment may ask a task."""
from __future__ import annotations

import pytest

from models import AuditEvent, Comment
from models.attachments import COMMENT_MAX
from tests.conftest import count, one, table_count
from workflows.attachments import comments
from workflows.errors import FormInvalidError, NotFoundError, PolicyViolationError

from .samples import investigation


def test_a_comment_joins_the_thread_and_the_audit_trail(world):
    task = investigation(world)
    comments.add(world.actor("clerk_hanfeng"), task.loan_id, "  户主已外出务工，请电话联系。 ")
    question = comments.add(world.actor("bureau"), task.loan_id, "养殖规模是否核实？", task.id)
    assert [c.body for c in comments.thread(task.loan_id)] == ["户主已外出务工，请电话联系。", "养殖规模是否核实？"]
    assert comments.questions_on(task.id) == [question]
    event = one(AuditEvent, action="comment_added", task_name="investigate_credit")
    assert (event.comment, event.loan_id, event.actor_role) == ("养殖规模是否核实？", task.loan_id, "rural_bureau")


@pytest.mark.parametrize("username", ["clerk_hanfeng", "officer_rcb", "approver_rcb", "bureau", "finance",
                                      "supervisor", "admin"])
def test_every_role_that_sees_the_loan_may_comment(world, username):
    task = investigation(world)
    assert comments.add(world.actor(username), task.loan_id, "已阅").author_id == world.users[username].id


@pytest.mark.parametrize("username", ["clerk_zhaojia", "officer_psbc"])
def test_outside_the_loan_s_scope_there_is_no_such_loan(world, username):
    task = investigation(world)
    with pytest.raises(NotFoundError):
        comments.add(world.actor(username), task.loan_id, "看看")
    assert table_count(Comment) == 0


@pytest.mark.parametrize("body, code", [("", "comment_empty"), (" \n\t ", "comment_empty"), (None, "comment_empty"),
                                        ("字" * (COMMENT_MAX + 1), "comment_too_long")])
def test_an_empty_or_too_long_comment_is_refused(world, body, code):
    task = investigation(world)
    with pytest.raises(PolicyViolationError) as refused:
        comments.add(world.actor("clerk_hanfeng"), task.loan_id, body)
    assert refused.value.codes == (code,) and count(AuditEvent, action="comment_added") == 0


def test_the_longest_comment_is_kept_whole(world):
    task = investigation(world)
    assert len(comments.add(world.actor("clerk_hanfeng"), task.loan_id, "字" * COMMENT_MAX).body) == COMMENT_MAX


def test_a_question_on_a_task_of_another_loan_is_refused(world):
    task, other = investigation(world), investigation(world)
    with pytest.raises(FormInvalidError):
        comments.add(world.actor("clerk_hanfeng"), task.loan_id, "问题", other.id)

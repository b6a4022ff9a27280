"""Drafts: copies of a version, saves with an optimistic lock, conflicts that say what changed, deploys."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from forms.registry import TASK_FORMS
from models import AuditEvent, ProcessVersion, db
from models.drafts import ProcessDraft
from workflows import drafts
from workflows.errors import ConcurrentUpdateError, ForbiddenError, NotFoundError
from workflows.validation import DiagramInvalidError

from ..conftest import count

KEY = "microcredit_loan"


def edited(sources: dict, file_name: str, old: str, new: str) -> dict:
    assert old in sources[file_name]
    return {**sources, file_name: sources[file_name].replace(old, new)}


def test_a_draft_copies_the_newest_version(world):
    draft = drafts.create_draft(world.actor("admin"), KEY, comment="start")
    version = db.session.scalars(ProcessVersion.latest(KEY)).one()
    assert (draft.sources, draft.based_on_version_id, draft.revision) == (version.sources, version.id, 1)
    assert draft.author_id == world.users["admin"].id and drafts.open_drafts(KEY) == [draft]
    assert count(AuditEvent, action="draft_created") == 1
    with pytest.raises(NotFoundError):
        drafts.create_draft(world.actor("admin"), KEY, based_on_version=7)


def test_the_second_of_two_saves_is_refused_with_what_the_first_changed(world):
    admin = world.actor("admin")
    draft = drafts.create_draft(admin, KEY)
    first = edited(draft.sources, "credit_line.dmn", "<text>50000</text>", "<text>45000</text>")
    second = edited(draft.sources, "microcredit_loan.bpmn", 'name="登记申请"', 'name="登记贷款申请"')
    saved = drafts.save_draft(admin, draft.id, first, expected_revision=1)
    assert saved.revision == 2
    with pytest.raises(ConcurrentUpdateError) as refused:
        drafts.save_draft(admin, draft.id, second, expected_revision=1)
    message = str(refused.value)
    assert "revision 2" in message and "changed: credit_line_rule_aaa" in message and "nothing was overwritten" in message
    assert refused.value.changes == {"added": [], "removed": [], "changed": ["credit_line_rule_aaa"]}
    db.session.expire_all()
    assert db.session.get(ProcessDraft, draft.id).sources == first
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="draft_saved")).one()
    assert event.before["revision"] == 1 and event.after["revision"] == 2
    assert event.before["hash"] != event.after["hash"] and event.after["diff"]["changed"] == ["credit_line_rule_aaa"]


def test_saving_from_the_new_revision_works(world):
    admin = world.actor("admin")
    draft = drafts.create_draft(admin, KEY)
    first = edited(draft.sources, "credit_line.dmn", "<text>50000</text>", "<text>45000</text>")
    drafts.save_draft(admin, draft.id, first, expected_revision=1)
    both = edited(first, "microcredit_loan.bpmn", 'name="登记申请"', 'name="登记贷款申请"')
    assert drafts.save_draft(admin, draft.id, both, expected_revision=2).revision == 3


def test_a_draft_may_be_incomplete_but_deploy_validates(world):
    admin = world.actor("admin")
    draft = drafts.create_draft(admin, KEY)
    loose = edited(draft.sources, "microcredit_loan.bpmn", ' default="flow_not_eligible"', "")
    drafts.save_draft(admin, draft.id, loose, expected_revision=1)
    with pytest.raises(DiagramInvalidError) as refused:
        drafts.deploy_draft(admin, draft.id, "try", TASK_FORMS)
    assert list(refused.value.problems) == ["eligibility_confirmed"]
    assert count(ProcessVersion, process_key="microcredit_loan") == 1 and count(AuditEvent, action="draft_deployed") == 0


def test_deploy_makes_the_next_version_and_closes_the_draft(world):
    admin = world.actor("admin")
    draft = drafts.create_draft(admin, KEY)
    changed = edited(draft.sources, "credit_line.dmn", "<text>50000</text>", "<text>45000</text>")
    drafts.save_draft(admin, draft.id, changed, expected_revision=1)
    version = drafts.deploy_draft(admin, draft.id, "AAA cap 45000", TASK_FORMS)
    assert (version.version, version.comment, version.deployed_by_id) == (2, "AAA cap 45000", admin.user_id)
    assert drafts.open_drafts(KEY) == []
    with pytest.raises(ConcurrentUpdateError):
        drafts.save_draft(admin, draft.id, changed, expected_revision=db.session.get(ProcessDraft, draft.id).revision)


def test_a_draft_older_than_the_newest_version_is_not_deployed(world):
    admin = world.actor("admin")
    old, new = drafts.create_draft(admin, KEY), drafts.create_draft(admin, KEY)
    drafts.save_draft(admin, new.id, edited(new.sources, "credit_line.dmn", "<text>50000</text>",
                                            "<text>45000</text>"), expected_revision=1)
    drafts.deploy_draft(admin, new.id, None, TASK_FORMS)
    drafts.save_draft(admin, old.id, edited(old.sources, "microcredit_loan.bpmn", 'name="登记申请"',
                                            'name="登记贷款申请"'), expected_revision=1)
    with pytest.raises(ConcurrentUpdateError) as refused:
        drafts.deploy_draft(admin, old.id, None, TASK_FORMS)
    assert "version 2 was deployed after this draft" in str(refused.value)
    assert "credit_line_rule_aaa" in str(refused.value) and count(ProcessVersion, process_key="microcredit_loan") == 2


@pytest.mark.parametrize("username", ["supervisor", "clerk_hanfeng", "finance"])
def test_drafts_are_for_administrators_only(world, username):
    with pytest.raises(ForbiddenError):
        drafts.create_draft(world.actor(username), KEY)
    assert count(ProcessDraft) == 0

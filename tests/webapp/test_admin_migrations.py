"""The migration page: running loans per version, a dry run that changes nothing, the move (audited)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from forms.registry import TASK_FORMS
from models import AuditEvent, ProcessInstance, db
from tests.conftest import count, one
from tests.factories import drive, make_household, register
from tests.factories_admin import with_compliance_review
from webapp.template_helpers import task_title
from workflows import drafts

URL = "/admin/processes/microcredit_loan/migration"


@pytest.fixture
def setup(login, world):
    """Two loans on version 1 (one before the change, one past it) and version 2 with the review."""
    waiting = drive(world, register(world, make_household()).id, until="investigate_credit")
    past = drive(world, register(world, make_household()).id, until="disburse_loan")
    admin = world.actor("admin")
    draft = drafts.create_draft(admin, "microcredit_loan")
    drafts.save_draft(admin, draft.id, with_compliance_review(draft.sources), draft.revision)
    target = drafts.deploy_draft(admin, draft.id, "合规复核", set(TASK_FORMS))
    return {"client": login("admin"), "target": target.id, "waiting": instance(waiting.id), "past": instance(past.id)}


def instance(loan_id: int) -> ProcessInstance:
    return db.session.scalars(sa.select(ProcessInstance).filter_by(loan_id=loan_id)).one()


def version_of(row: ProcessInstance) -> int:
    db.session.expire_all()
    return db.session.get(ProcessInstance, row.id).process_version.version


def test_the_page_lists_running_loans_with_their_version_and_step(setup):
    page = setup["client"].get(URL).text
    assert f'id="instance-{setup["waiting"].id}"' in page and f'id="instance-{setup["past"].id}"' in page
    with setup["client"].application.test_request_context():
        titles = [str(task_title(name)) for name in ("investigate_credit", "disburse_loan")]
    assert all(title in page for title in titles)


def test_a_dry_run_says_who_may_move_and_changes_nothing(setup):
    ids = [setup["waiting"].id, setup["past"].id]
    page = setup["client"].post(URL, data={"target_version": setup["target"], "instance_ids": ids, "dry_run": "1"})
    assert page.status_code == 200
    assert f'id="instance-{ids[0]}" data-loan-id="{setup["waiting"].loan_id}"\n            data-ok="yes"' in page.text
    with setup["client"].application.test_request_context():
        step = str(task_title("disburse_loan"))
    assert 'data-ok="no"' in page.text and "版本2改变了此贷款已经过的环节：" in page.text and step in page.text
    assert "可从版本1迁移到版本2。" in page.text and "can move" not in page.text
    assert version_of(setup["waiting"]) == 1 and count(AuditEvent, action="instance_migrated") == 0


def test_migrate_moves_the_checked_loans_that_may_move(setup):
    ids = [setup["waiting"].id, setup["past"].id]
    page = setup["client"].post(URL, data={"target_version": setup["target"], "instance_ids": ids, "migrate": "1"})
    assert page.status_code == 200 and "alert-success" in page.text
    assert version_of(setup["waiting"]) == 2 and version_of(setup["past"]) == 1
    event = one(AuditEvent, action="instance_migrated")
    assert event.before["version"] == 1 and event.after["version"] == 2 and event.actor_role == "admin"
    assert event.loan_id == setup["waiting"].loan_id


def test_with_nothing_checked_migrate_is_refused_and_nothing_moves(setup):
    page = setup["client"].post(URL, data={"target_version": setup["target"], "migrate": "1"})
    assert page.status_code == 422 and "migration_nothing_chosen" in page.text and "migration-refused" in page.text
    assert version_of(setup["waiting"]) == 1 and count(AuditEvent, action="instance_migrated") == 0


def test_with_nothing_checked_a_dry_run_checks_every_listed_loan(setup):
    page = setup["client"].post(URL, data={"target_version": setup["target"], "dry_run": "1"})
    assert page.status_code == 200 and 'data-ok="yes"' in page.text and 'data-ok="no"' in page.text
    assert version_of(setup["waiting"]) == 1


def test_the_migrate_button_carries_a_count_and_a_confirmation(setup):
    page = setup["client"].get(URL).text
    assert 'id="pick-all"' in page and 'id="picked-count"' in page and "data-confirm=" in page
    assert "js/admin_migration.js" in page


def test_only_checked_loans_move(setup):
    setup["client"].post(URL, data={"target_version": setup["target"], "instance_ids": [setup["past"].id],
                                    "migrate": "1"})
    assert version_of(setup["waiting"]) == 1 and count(AuditEvent, action="instance_migrated") == 0


@pytest.mark.parametrize("data", [{"target_version": "999", "dry_run": "1"}, {"target_version": "x", "migrate": "1"},
                                  {"target_version": "1", "instance_ids": ["999"], "migrate": "1"}])
def test_an_unknown_target_or_instance_is_refused(setup, data):
    assert setup["client"].post(URL, data=data).status_code == 422
    assert version_of(setup["waiting"]) == 1


@pytest.mark.parametrize("username", ["supervisor", "approver_rcb", "finance"])
def test_others_may_not_migrate(setup, login, username):
    other = login(username)
    assert other.post(URL, data={"target_version": setup["target"], "migrate": "1"}).status_code == 403
    assert version_of(setup["waiting"]) == 1

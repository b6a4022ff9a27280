"""Four eyes (四眼原则) on a task a timer makes ready: no shipped diagram has one, but an administrator can
give ``post_loan_visit`` a ``four_eyes_with`` in the designer, and the timer worker must then write the new
inbox row's exclusions as a completion does (``timers._write``: ``instances.insert_rows`` hands back the
ids, ``four_eyes.exclude_performers`` writes one INSERT … SELECT per row).

The edit goes the administrator's way (a draft of ``microcredit_loan`` with an edited ``post_loan.bpmn``,
validated and deployed by ``drafts.deploy_draft``), not a monkeypatch. The visit keeps apart the clerk who
registered the loan (``register_application``), not ``investigate_credit``: the visit is in the township
clerks' lane, so only a clerk's exclusion shows four eyes at work (a bank officer may not visit anyway).
Three loans, each registered by a different clerk of the township, reach their first visit in one batch,
so an id handed back to the wrong row gives a row the wrong clerk's exclusion.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from forms.registry import TASK_FORMS
from models import AuditEvent, HumanTask, Loan, ProcessInstance, TaskExclusion, db
from tests.factories import PASSWORD
from tests.factories_postloan import VISIT_OK, at, disbursed, sweep
from workflows import accounts, clock, drafts
from workflows.errors import FourEyesError
from workflows.tasks import claims, inbox, service

CLERKS = ("clerk_hanfeng", "clerk2_hanfeng", "clerk3_hanfeng")  # one registers each loan
FIRST_VISIT = date(2025, 4, 10)  # three months after the loans' disbursement on 2025-01-10
VISIT_PROPERTIES = ('<spiffworkflow:property name="form" value="PostLoanVisitForm" />\n'
                    '                <spiffworkflow:property name="due_period" value="P15D" />')


def with_four_eyes_on_the_visit(sources: dict[str, str]) -> dict[str, str]:
    """The sources with ``post_loan_visit`` keeping apart whoever registered the loan, as the designer's
    side panel writes it."""
    xml = sources["post_loan.bpmn"]
    assert xml.count(VISIT_PROPERTIES) == 1  # the shipped visit: a form and a due period, no four eyes
    edited = xml.replace(VISIT_PROPERTIES, VISIT_PROPERTIES + '\n                <spiffworkflow:property '
                         'name="four_eyes_with" value="register_application" />')
    return {**sources, "post_loan.bpmn": edited}


@pytest.fixture
def edited(world):
    """The administrator's edit deployed: new loans run on it (the call activity reads the version's sources)."""
    admin = world.actor("admin")
    draft = drafts.create_draft(admin, "microcredit_loan", comment="走访与登记分开")
    drafts.save_draft(admin, draft.id, with_four_eyes_on_the_visit(dict(draft.sources)), draft.revision)
    return drafts.deploy_draft(admin, draft.id, "走访与登记分开", TASK_FORMS)


@pytest.fixture
def clerks(world) -> tuple[str, ...]:
    for username in CLERKS[1:]:
        world.users[username] = accounts.create_user(username, PASSWORD, ["township_clerk"], township="hanfeng")
    db.session.commit()
    return CLERKS


def available(world, username: str) -> set[int]:
    return {row[0].id for row in db.session.execute(inbox.inbox_query(world.users[username]))}


def visit_exclusions() -> list[tuple[int, int]]:
    """(human_task_id, user_id) of every exclusion on a visit (the loans' approvals carry their own)."""
    return sorted(db.session.execute(sa.select(TaskExclusion.human_task_id, TaskExclusion.user_id).join(
        HumanTask, HumanTask.id == TaskExclusion.human_task_id).where(HumanTask.name == "post_loan_visit")).all())


def visit_of(loan: Loan) -> HumanTask:
    return db.session.scalars(sa.select(HumanTask).where(
        HumanTask.loan_id == loan.id, HumanTask.name == "post_loan_visit")).one()


def test_a_visit_a_timer_opens_keeps_the_registering_clerk_apart(world, edited, clerks):
    loans = {clerk: disbursed(world, clerk=clerk) for clerk in clerks}
    assert set(db.session.scalars(sa.select(ProcessInstance.process_version_id).where(
        ProcessInstance.loan_id.in_([loan.id for loan in loans.values()])))) == {edited.id}
    report = sweep(FIRST_VISIT)
    assert (report.fired, report.errors, report.conflicts) == (3, 0, 0)
    fired = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "timers_fired")).all()
    assert len(fired) == 1 and len(fired[0].after["instances"]) == 3  # one batch: _fire_many, not one by one
    visits = {clerk: visit_of(loan) for clerk, loan in loans.items()}
    assert visit_exclusions() == sorted((visits[clerk].id, world.users[clerk].id) for clerk in clerks)
    for clerk, visit in visits.items():
        colleague = CLERKS[(CLERKS.index(clerk) + 1) % len(CLERKS)]
        assert visit.id not in available(world, clerk) and visit.id in available(world, colleague)
        with pytest.raises(FourEyesError):
            claims.claim(world.actor(clerk), visit.id)
        with pytest.raises(FourEyesError), clock.frozen(at(FIRST_VISIT)):
            service.complete_task(world.actor(clerk), visit.id, VISIT_OK)
        claims.claim(world.actor(colleague), visit.id)
        with clock.frozen(at(FIRST_VISIT)):
            service.complete_task(world.actor(colleague), visit.id, VISIT_OK)
        assert db.session.get(HumanTask, visit.id).completed_by_id == world.users[colleague].id


def test_the_shipped_visit_has_no_exclusions(world, clerks):
    """Without the edit nobody is kept apart: the exclusions above come from the property, not the timer."""
    loans = [disbursed(world, clerk=clerk) for clerk in clerks]
    assert sweep(FIRST_VISIT).fired == 3
    assert all(visit_of(loan).state == "ready" for loan in loans)
    assert visit_exclusions() == []

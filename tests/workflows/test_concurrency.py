"""Two people complete the same task at the same moment: exactly one wins, nothing is lost."""
from __future__ import annotations

import threading

import pytest

from models import AuditEvent, HumanTask, db
from workflows import audit, engine
from workflows.errors import AlreadyCompletedError, ConcurrentUpdateError
from workflows.tasks import service

from ..conftest import count
from ..factories import drive, make_household, ready_task, register


def test_two_threads_complete_the_same_task(app, world, monkeypatch):
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    task_id = ready_task(loan.id, "investigate_credit").id
    user_ids = [world.users["officer_rcb"].id, world.users["officer2_rcb"].id]
    barrier = threading.Barrier(2, timeout=10)
    original = engine.complete_user_task

    def both_loaded_first(*args, **kwargs):
        barrier.wait()  # both threads have loaded version N before either saves
        return original(*args, **kwargs)

    monkeypatch.setattr(engine, "complete_user_task", both_loaded_first)
    outcomes: list = []

    def complete(user_id: int) -> None:
        with app.app_context():
            from models import User

            actor = audit.Actor(db.session.get(User, user_id), None, "127.0.0.1")
            try:
                service.complete_task(actor, task_id, {"grade": "AA", "recommended_amount": 20000,
                                                     "recommended_term_months": 12, "investigation_report": "x"})
                outcomes.append("ok")
            except (ConcurrentUpdateError, AlreadyCompletedError) as exc:
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=complete, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["ConcurrentUpdateError", "ok"]
    db.session.expire_all()
    assert count(AuditEvent, action="task_completed", task_name="investigate_credit") == 1
    assert count(HumanTask, name="approve_loan", state="ready") == 1
    assert db.session.get(HumanTask, task_id).state == "completed"
    assert audit.verify().ok


def test_a_stale_page_is_refused(world):
    loan = register(world, make_household())
    task = ready_task(loan.id, "confirm_eligibility")
    with pytest.raises(ConcurrentUpdateError):
        service.complete_task(world.actor("bureau"), task.id, {"eligible": True, "eligibility_note": ""},
                            expected_version=1)


def test_a_second_submit_says_who_did_it_and_when(world):
    loan = register(world, make_household())
    task = ready_task(loan.id, "confirm_eligibility")
    service.complete_task(world.actor("bureau"), task.id, {"eligible": True, "eligibility_note": ""})
    with pytest.raises(AlreadyCompletedError) as again:
        service.complete_task(world.actor("bureau"), task.id, {"eligible": True, "eligibility_note": ""})
    assert again.value.completed_by == world.users["bureau"].display_name and again.value.completed_at

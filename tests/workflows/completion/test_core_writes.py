"""The rows a completion writes in Core (the instance's state, the new inbox rows) and the four-eyes
look-ups end up as the ORM would have left them: in the database, in the session as loaded rows with
nothing left to flush, a stale state write refused as a concurrent update, the performers found with
what the transaction has not flushed yet."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from models import HumanTask, ProcessInstance, db
from tests.factories import make_household, ready_task, register
from workflows import clock, instances
from workflows.errors import ConcurrentUpdateError
from workflows.tasks import four_eyes, service


def stored(model, row_id: int) -> dict:
    """The row as the database holds it (Core: not through the session's identity map)."""
    return dict(db.session.execute(sa.select(model.__table__).where(model.__table__.c.id == row_id)).mappings().one())


def loaded(row) -> dict:
    return {column.key: getattr(row, column.key) for column in type(row).__table__.columns}


def same(session_values: dict, database_values: dict) -> bool:
    return session_values == database_values


def test_a_completion_leaves_the_session_rows_equal_to_the_database_and_nothing_to_flush(world):
    loan = register(world, make_household())
    task = ready_task(loan.id, "confirm_eligibility")
    instance = db.session.get(ProcessInstance, task.process_instance_id)
    version = instance.version
    row = service.complete_task(world.actor("bureau"), task.id, {"eligible": True, "eligibility_note": "ok"})
    assert (row.state, row.completed_by_id) == ("completed", world.users["bureau"].id)
    assert same(loaded(row), stored(HumanTask, row.id))
    instance = db.session.get(ProcessInstance, row.process_instance_id)
    assert instance.version == version + 1
    assert same(loaded(instance), stored(ProcessInstance, instance.id))
    fresh = ready_task(loan.id, "investigate_credit")
    assert same(loaded(fresh), stored(HumanTask, fresh.id))
    assert not db.session.dirty and not db.session.new


def test_a_state_write_on_a_version_another_transaction_moved_on_is_a_concurrent_update(world):
    loan = register(world, make_household())
    task = ready_task(loan.id, "confirm_eligibility")
    loaded_instance = instances.load(task.process_instance_id)
    table = ProcessInstance.__table__
    db.session.execute(sa.update(table).where(table.c.id == task.process_instance_id)
                       .values(version=table.c.version + 1))  # as a concurrent save would have
    with pytest.raises(ConcurrentUpdateError):
        instances.save(loaded_instance)
    db.session.rollback()


def inbox_rows(instance_id: int, loan_id: int | None, count: int) -> list[HumanTask]:
    return [HumanTask(process_instance_id=instance_id, loan_id=loan_id, spiff_task_id=str(uuid.uuid4()),
                      name=f"extra_{n}", title="extra", form="", role="rural_bureau", township_id=None,
                      bank_id=None, created_at=clock.now(), due_at=None) for n in range(count)]


def test_new_inbox_rows_are_inserted_with_their_own_ids_and_stay_loaded(world, is_postgres):
    loan = register(world, make_household())
    instance_id = ready_task(loan.id, "confirm_eligibility").process_instance_id
    rows = inbox_rows(instance_id, loan.id, 3)
    sent = []
    listener = lambda *args: sent.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        instances.insert_rows(rows)
        db.session.flush()  # nothing left to write for them
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert all(statement.startswith("INSERT INTO human_tasks") for statement in sent)
    assert len(sent) == (1 if is_postgres else len(rows))  # SQLite: one per row, as the ORM sends them there
    assert all(row in db.session and not db.session.is_modified(row) for row in rows)
    by_task = dict(db.session.execute(sa.select(HumanTask.__table__.c.spiff_task_id, HumanTask.__table__.c.id)
                                      .where(HumanTask.__table__.c.name.like("extra_%"))).all())
    assert [row.id for row in rows] == [by_task[row.spiff_task_id] for row in rows]
    assert all(row.state == "ready" and same(loaded(row), stored(HumanTask, row.id)) for row in rows)


@pytest.mark.parametrize("with_loan", [True, False])
def test_four_eyes_finds_the_performers_over_the_loan_or_else_over_the_instance(world, with_loan):
    loan = register(world, make_household())
    instance_id = ready_task(loan.id, "confirm_eligibility").process_instance_id
    subject_loan = loan.id if with_loan else None
    done, other, still_open = inbox_rows(instance_id, subject_loan, 3)
    instances.insert_rows([done, other, still_open])
    for row, user in ((done, "bureau"), (other, "officer_rcb")):
        row.state, row.completed_at, row.completed_by_id = "completed", clock.now(), world.users[user].id
    asking = HumanTask(process_instance_id=instance_id, loan_id=subject_loan)
    assert four_eyes.performers(asking, [done.name, still_open.name]) == {world.users["bureau"].id}
    assert four_eyes.performers(asking, [done.name, other.name]) == {world.users["bureau"].id,
                                                                     world.users["officer_rcb"].id}
    assert four_eyes.performers(asking, []) == set()


def test_rows_of_a_rolled_back_transaction_give_way_to_new_rows_with_their_ids(world):
    """SQLite hands out the id of a row whose insert was rolled back again; the new row takes its place
    in the session (a refused registration followed by an accepted one)."""
    loan = register(world, make_household())
    instance_id = ready_task(loan.id, "confirm_eligibility").process_instance_id
    db.session.commit()
    (refused,) = inbox_rows(instance_id, loan.id, 1)
    instances.insert_rows([refused])
    db.session.rollback()
    (accepted,) = inbox_rows(instance_id, loan.id, 1)
    instances.insert_rows([accepted])
    db.session.commit()
    assert db.session.get(HumanTask, accepted.id) is accepted
    assert same(loaded(accepted), stored(HumanTask, accepted.id))

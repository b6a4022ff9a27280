"""Many people completing tasks at once on one PostgreSQL database lose nothing (并发办理不丢更新).

Eight threads, each with its own app context (its own session and connection) and its own user,
complete 200 tasks each through ``workflows.tasks.service.complete_task``, released together. To
keep 1,600 completions within seconds each thread works on instances of a lean diagram an
administrator could deploy (``relay``: eight user tasks in a row in the rural bureau's lane), so
the cost is the completion's own (access check, load, engine, inbox, save, audit chain) and not a
loan's step logic; the threads share the audit chain and the tables, not the instances. Afterwards
every instance's engine state agrees with its inbox rows, every task is completed once by its
thread's user, the audit trail holds one ``task_completed`` per task and verifies.

Then eight threads contend for the same loan tasks (the real loan process): for each task exactly
one wins, the other seven get the documented refusal (``ConcurrentUpdateError`` or
``AlreadyCompletedError``, each with its ``attempt_refused`` trace) and nothing half-written stays.
"""
from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa
from flask import current_app
from SpiffWorkflow.util.task import TaskState

from models import AuditEvent, HumanTask, Loan, ProcessInstance, User, db
from workflows import accounts, audit, deployment, engine, instances, state_pruning
from workflows.audit import Actor
from workflows.errors import AlreadyCompletedError, ConcurrentUpdateError
from workflows.tasks import service

from ...factories import INVESTIGATION, PASSWORD, make_household, register

pytestmark = pytest.mark.postgres
THREADS, PER_THREAD, LEGS = 8, 200, 8
PROCESS = "relay"
CONTENDED_LOANS = 6
CONTENDED_STEPS = (("confirm_eligibility", "bureau", {"eligible": True, "eligibility_note": "核实"}),
                   ("investigate_credit", "officer_rcb", INVESTIGATION))
REFUSALS = (ConcurrentUpdateError, AlreadyCompletedError)


def relay_diagram(legs: int) -> str:
    """A process of ``legs`` user tasks in a row, all in the rural bureau's lane."""
    nodes = ["start"] + [f"leg_{i}" for i in range(1, legs + 1)] + ["end"]
    flows = [f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}" />'
             for i, (a, b) in enumerate(zip(nodes, nodes[1:]))]
    tasks = [f'<bpmn:userTask id="leg_{i}" name="第{i}棒"><bpmn:incoming>f{i - 1}</bpmn:incoming>'
             f'<bpmn:outgoing>f{i}</bpmn:outgoing></bpmn:userTask>' for i in range(1, legs + 1)]
    refs = "".join(f"<bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>" for node in nodes)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="relay_definitions" '
        'targetNamespace="urn:microcredit:test">'
        f'<bpmn:process id="{PROCESS}" name="接力" isExecutable="true">'
        f'<bpmn:laneSet id="relay_lanes"><bpmn:lane id="lane_rural_bureau" name="rural_bureau">{refs}</bpmn:lane>'
        '</bpmn:laneSet>'
        '<bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>'
        + "".join(tasks)
        + f'<bpmn:endEvent id="end"><bpmn:incoming>f{legs}</bpmn:incoming></bpmn:endEvent>'
        + "".join(flows) + '</bpmn:process></bpmn:definitions>'
    )


def in_threads(jobs: list) -> list[BaseException]:
    """Run each job in a thread of its own app context, released together; the exceptions they raised."""
    app, failures, start = current_app._get_current_object(), [], threading.Barrier(len(jobs), timeout=60)

    def work(job):
        with app.app_context():
            try:
                start.wait()
                job()
            except BaseException as exc:  # reported to the test
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is still running after 120 s"
    db.session.expire_all()
    return failures


@pytest.fixture
def postgres(is_postgres) -> None:
    if not is_postgres:
        pytest.skip("threads completing at once on one database: PostgreSQL (TEST_DATABASE_URL); "
                    "SQLite has one writer at a time")


@pytest.fixture
def relay(postgres, world) -> dict[int, list[int]]:
    """Each thread's user id and its instances of the relay, every one waiting at its first leg."""
    deployment.deploy(PROCESS, {"relay.bpmn": relay_diagram(LEGS)})
    owned: dict[int, list[int]] = {}
    for t in range(THREADS):
        user = accounts.create_user(f"relay{t}", PASSWORD, ["rural_bureau"])
        db.session.flush()
        owned[user.id] = []
        for _ in range(PER_THREAD // LEGS):
            loaded = instances.start(PROCESS, None, {})
            instances.save(loaded)
            instances.settle(loaded, None)
            owned[user.id].append(loaded.row.id)
    db.session.commit()
    return owned


def run_legs(user_id: int, instance_ids: list[int], done: Counter) -> None:
    """Complete every leg of every instance, leg by leg: the open task of each instance in turn."""
    actor = Actor(db.session.get(User, user_id), None, "127.0.0.1")
    for leg in range(1, LEGS + 1):
        for instance_id in instance_ids:
            task_id = db.session.scalar(sa.select(HumanTask.id).where(
                HumanTask.process_instance_id == instance_id, HumanTask.state == "ready"))
            service.complete_task(actor, task_id, {f"leg_{leg}": user_id})
            done[user_id] += 1


def test_eight_threads_completing_200_tasks_each_lose_nothing(relay):
    done: Counter = Counter()
    failures = in_threads([lambda u=u, ids=ids: run_legs(u, ids, done) for u, ids in relay.items()])
    assert failures == []
    assert done == {user_id: PER_THREAD for user_id in relay}
    ids = [i for owned in relay.values() for i in owned]
    rows = db.session.scalars(sa.select(HumanTask).where(HumanTask.process_instance_id.in_(ids))).all()
    assert len(rows) == THREADS * PER_THREAD and {row.state for row in rows} == {"completed"}
    owner = {i: user_id for user_id, owned in relay.items() for i in owned}
    assert all(row.completed_by_id == owner[row.process_instance_id] for row in rows)
    for instance_id in ids:  # the engine's state says what the inbox says: every leg done, with its data
        loaded = instances.load(instance_id)
        assert loaded.row.status == "completed" and loaded.workflow.completed
        here = [row for row in rows if row.process_instance_id == instance_id]
        kept = {(str(t.id), t.task_spec.name) for t in loaded.workflow.get_tasks(state=TaskState.COMPLETED, manual=True)}
        assert kept and kept <= {(row.spiff_task_id, row.name) for row in here}  # the steps the stored state keeps
        done_in_state = {name for _, name in kept} | set(state_pruning.finished_ids(loaded.workflow))
        assert {row.name for row in here} == {f"leg_{leg}" for leg in range(1, LEGS + 1)} <= done_in_state
        assert loaded.workflow.data == {f"leg_{leg}": owner[instance_id] for leg in range(1, LEGS + 1)}
    events = db.session.execute(sa.select(AuditEvent.process_instance_id, AuditEvent.task_name, AuditEvent.actor_id)
                                .where(AuditEvent.action == "task_completed")).all()
    assert len(events) == THREADS * PER_THREAD
    assert Counter((i, name) for i, name, _ in events) == Counter((r.process_instance_id, r.name) for r in rows)
    assert all(actor_id == owner[i] for i, _, actor_id in events)
    assert audit.verify().ok


@pytest.fixture
def contended(postgres, world) -> list[int]:
    """Loans waiting at their first step, and a bureau user and a bank officer for each thread."""
    for t in range(THREADS):
        world.users[f"bureau{t}"] = accounts.create_user(f"bureau{t}", PASSWORD, ["rural_bureau"])
        world.users[f"officer{t}"] = accounts.create_user(f"officer{t}", PASSWORD, ["bank_officer"], bank="cqrcb")
    db.session.commit()
    return [register(world, make_household()).id for _ in range(CONTENDED_LOANS)]


def test_eight_threads_contending_for_each_task_one_wins_the_others_are_refused(world, contended):
    """All eight try every task at the same moment (a barrier before each): one wins, seven are refused."""
    outcomes: list[tuple[int, str, str, int]] = []  # (loan id, step, "ok" or the refusal's name, user id)
    attempt = threading.Barrier(THREADS, timeout=60)

    def contend(t: int) -> None:
        for step, role_user, data in CONTENDED_STEPS:
            user = db.session.get(User, world.users[("bureau" if role_user == "bureau" else "officer") + str(t)].id)
            actor, user_id = Actor(user, None, "127.0.0.1"), user.id
            for loan_id in contended:
                task_id = db.session.scalar(sa.select(HumanTask.id).where(HumanTask.loan_id == loan_id,
                                                                          HumanTask.name == step))
                attempt.wait()
                try:
                    service.complete_task(actor, task_id, data)
                    outcomes.append((loan_id, step, "ok", user_id))
                except REFUSALS as exc:
                    outcomes.append((loan_id, step, type(exc).__name__, user_id))
                db.session.expire_all()

    assert in_threads([lambda t=t: contend(t) for t in range(THREADS)]) == []
    tries = len(contended) * len(CONTENDED_STEPS)
    assert len(outcomes) == THREADS * tries
    wins = Counter((loan_id, step) for loan_id, step, outcome, _ in outcomes if outcome == "ok")
    winner = {(loan_id, step): user_id for loan_id, step, outcome, user_id in outcomes if outcome == "ok"}
    assert wins == {(loan_id, step): 1 for loan_id in contended for step, _, _ in CONTENDED_STEPS}
    refused = [o for o in outcomes if o[2] != "ok"]
    steps = [step for step, _, _ in CONTENDED_STEPS]
    events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.loan_id, AuditEvent.task_name).where(
        AuditEvent.loan_id.in_(contended), AuditEvent.task_name.in_(steps))).all()
    assert Counter((loan_id, name) for action, loan_id, name in events if action == "task_completed") == wins
    assert sum(1 for action, _, _ in events if action == "attempt_refused") == len(refused)  # each refusal traced
    for loan_id in contended:  # nothing half-written: the rows, the loan and the engine agree
        rows = db.session.scalars(sa.select(HumanTask).where(HumanTask.loan_id == loan_id)).all()
        assert sorted((row.name, row.state) for row in rows) == sorted(
            [("register_application", "completed")] + [(step, "completed") for step in steps]
            + [("approve_loan", "ready")])
        assert all(row.completed_by_id == winner[(loan_id, row.name)] for row in rows if row.name in steps)
        instance = db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.loan_id == loan_id)).one()
        loaded = instances.load(instance.id)
        assert {str(t.id) for t in engine.ready_user_tasks(loaded.workflow)} == {
            row.spiff_task_id for row in rows if row.state == "ready"}
        assert db.session.get(Loan, loan_id).grade == INVESTIGATION["grade"]
    assert audit.verify().ok

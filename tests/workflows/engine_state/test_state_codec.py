"""The stored state: the faster task converter reads and writes what SpiffWorkflow's own does, and
the zstd + dictionary compression round-trips (older zlib states included)."""
from __future__ import annotations

import hashlib
import json
import threading
import zlib
from collections import OrderedDict
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

from models import ProcessInstance, db
from tests.factories import STEPS, drive, make_household, register
from tests.factories_postloan import at, disbursed, sweep
from tests.workflows.test_engine_pitfalls import diagram
from workflows import clock, engine, state_codec
from workflows.state_codec import StateTaskConverter

# The shipped dictionary's digest: states written with version 1 need exactly these bytes to load.
DICTIONARY_1_SHA256 = "0967696f276e41d35eb0fdb7b97d9161c3b02ba35954d88ffbe609f6840043f4"
DICTIONARY_2_SHA256 = "d7fbb6aedd445501866a2524a00d33c7250c9bb69d2fa98c6e12f9152d3aa915"
DICTIONARY_3_SHA256 = "b6f026bde1498e16cd6738c9535d46fa02053a019c234c806689f4f6993f7347"


def stock_serializer() -> BpmnWorkflowSerializer:
    """The same registry as the engine's, but with SpiffWorkflow's own task converter."""
    stock = engine._build_serializer()
    TaskConverter(Task, stock.registry)  # registering a class again replaces its converter
    return stock


STOCK = stock_serializer()


def states_of_every_stage(world) -> list[bytes]:
    """A loan's state before each step, after disbursement and after its first visit timer fired."""
    states = []
    with clock.frozen(at(date(2025, 1, 10))):
        loan = register(world, make_household())
        for following in (*STEPS[1:], "end"):  # one step at a time
            states.append(_state(loan.id))
            drive(world, loan.id, following)
        states.append(_state(loan.id))
    other = disbursed(world, on=date(2025, 1, 10), household=make_household())
    sweep(date(2025, 4, 11))
    states.append(_state(other.id))
    return states


def _state(loan_id: int) -> bytes:
    db.session.expire_all()
    return db.session.scalars(sa.select(ProcessInstance.state).filter_by(loan_id=loan_id)).one()


def _load(serializer, parsed, state: bytes):
    dct = json.loads(engine.state_json(state))
    serializer.migrate(dct)
    return serializer.from_dict(dct, spec=parsed.spec, subprocess_specs=parsed.subprocess_specs)


def _tasks(workflow) -> dict:
    return {str(task.id): (task.task_spec.name, task.state, str(task._parent), [str(c) for c in task._children],
                           task.data, task.internal_data, task.last_state_change, task.triggered)
            for task in workflow.get_tasks()}


@pytest.fixture
def stage_states(world):
    states = states_of_every_stage(world)
    version = db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.loan_id.is_not(None))
                                 .order_by(ProcessInstance.id)).first().process_version  # ids differ by database
    return engine.SPECS.get(version), states


def test_the_fast_converter_writes_what_spiffworkflow_writes(stage_states):
    parsed, states = stage_states
    assert len(states) >= 6
    for state in states:
        workflow = engine.load_state(parsed, state)
        ours = json.loads(engine.SERIALIZER.serialize_json(workflow))
        theirs = json.loads(STOCK.serialize_json(workflow))
        assert ours == theirs


def test_the_fast_converter_reads_what_spiffworkflow_reads(stage_states):
    parsed, states = stage_states
    for state in states:
        fast, stock = engine.load_state(parsed, state), _load(STOCK, parsed, state)
        assert _tasks(fast) == _tasks(stock)
        assert set(fast.event_manager.tasks) == set(stock.event_manager.tasks)
        assert engine.next_timer_at(fast) == engine.next_timer_at(stock)
        assert sorted(str(t.id) for t in engine.ready_user_tasks(fast)) == \
               sorted(str(t.id) for t in engine.ready_user_tasks(stock))


def test_restored_task_data_is_not_shared_with_the_parent(stage_states):
    """SpiffWorkflow copies nested values one level down (DeepMerge); changing a child's must not change its parent's."""
    parsed, states = stage_states
    workflow = engine.load_state(parsed, states[-1])
    checked = 0
    for task in workflow.get_tasks():
        parent = task.parent
        if parent is None:
            continue
        for key, value in parent.data.items():
            if isinstance(value, (dict, list)) and key in task.data and task.data[key] == value:
                assert task.data[key] is not value
                checked += 1
    assert checked > 0


def test_copied_data_is_deep_merge_into_an_empty_dict():
    parent = {"a": 1, "b": {"c": [1, 2]}, "d": [1, {"e": 2}], "f": {1, 2}, "g": "text", "h": None,
              "i": Decimal("30000.00"), "j": date(2026, 12, 1), "k": OrderedDict(x=[1]), "m": 2.5, "n": True}
    ours, theirs = state_codec.copied_data(parent), DeepMerge.merge({}, parent)
    assert ours == theirs and ours is not parent
    for key in ("b", "d", "f", "k"):  # mutable values, a dict subclass among them, copied one level
        assert ours[key] is not parent[key] and theirs[key] is not parent[key]
        assert type(ours[key]) is type(theirs[key])
    assert ours["b"]["c"] is parent["b"]["c"]  # one level deep, as SpiffWorkflow does


def test_a_state_round_trips_through_the_dictionary_codec(stage_states):
    parsed, states = stage_states
    for state in states:
        assert state[:2] == b"Z" + bytes((state_codec.DICTIONARY_VERSION,))
        text = state_codec.decompress(state)
        again = state_codec.compress(text)
        assert state_codec.decompress(again) == text
        assert len(state) < len(zlib.compress(text, 6))


def test_a_state_written_with_zlib_before_still_loads(stage_states):
    parsed, states = stage_states
    text = state_codec.decompress(states[-1])
    legacy = zlib.compress(text, 6)
    assert state_codec.decompress(legacy) == text
    assert _tasks(engine.load_state(parsed, legacy)) == _tasks(engine.load_state(parsed, states[-1]))


@pytest.mark.parametrize("junk", [b"", b"Z", b"\x00garbage", b"Z\x09" + b"x" * 20])
def test_bytes_that_are_no_state_are_refused(junk):
    with pytest.raises((ValueError, FileNotFoundError)):
        state_codec.decompress(junk)


def test_a_corrupted_state_fails_its_checksum(stage_states):
    _, states = stage_states
    broken = bytearray(states[0])
    broken[len(broken) // 2] ^= 0xFF
    with pytest.raises(Exception):
        state_codec.decompress(bytes(broken))


@pytest.mark.parametrize("version, digest", [(1, DICTIONARY_1_SHA256), (2, DICTIONARY_2_SHA256),
                                             (3, DICTIONARY_3_SHA256)])
def test_the_shipped_dictionaries_never_change(version, digest):
    content = (state_codec.DICTIONARY_DIR / f"state_dictionary_{version}.json").read_bytes()
    assert hashlib.sha256(content).hexdigest() == digest
    assert b"500234" not in content  # no person's data in a shipped file


@pytest.mark.parametrize("version", [1, 2])
def test_states_written_with_an_older_dictionary_still_load(stage_states, version):
    parsed, states = stage_states
    text = state_codec.decompress(states[-1])
    older = state_codec.compress(text, version=version)
    assert older[:2] == b"Z" + bytes((version,)) and state_codec.DICTIONARY_VERSION == 3
    assert state_codec.decompress(older) == text
    assert _tasks(engine.load_state(parsed, older)) == _tasks(engine.load_state(parsed, states[-1]))


def test_a_disbursed_loans_state_fits_three_to_a_sqlite_page(stage_states):
    """Its row (about 110 bytes beside the state) must stay under a third of a 4 KB page."""
    _, states = stage_states
    disbursed_state = states[len(STEPS)]  # after the last of the four steps
    assert b"disburse_loan" in state_codec.decompress(disbursed_state)
    assert len(disbursed_state) < 1200


def test_threads_compress_at_once_without_mixing_states():
    texts = [json.dumps({"n": n, "pad": "x" * (n * 37 % 900)}).encode() for n in range(64)]
    results: dict[int, bytes] = {}

    def work(n):
        for _ in range(20):
            results[n] = state_codec.decompress(state_codec.compress(texts[n]))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[n] for n in range(len(texts))] == texts


def test_the_task_converter_is_the_one_registered():
    assert isinstance(engine.SERIALIZER.registry.convert_to_dict["Task"].args[1].__self__, StateTaskConverter)


CHANGES = ('<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="change"/>'
           '<bpmn:scriptTask id="change"><bpmn:script>x = 2\nnested = {"k": [3]}\ndel y</bpmn:script>'
           '</bpmn:scriptTask><bpmn:sequenceFlow id="f2" sourceRef="change" targetRef="ask"/>'
           '<bpmn:userTask id="ask"/><bpmn:sequenceFlow id="f3" sourceRef="ask" targetRef="done"/>'
           '<bpmn:endEvent id="done"/>')


def _to_the_millisecond(dct: dict) -> dict:
    for task in dct["tasks"].values():
        task["last_state_change"] = round(task["last_state_change"], 3)
    return dct


def test_changed_and_deleted_keys_are_written_and_read_as_spiffworkflow_does():
    parsed = engine.parse_sources("tiny", diagram(CHANGES))
    workflow = engine.new_workflow(parsed, {"loan_id": 1, "x": 1, "y": 1, "nested": {"k": [1, 2]}})
    engine.run_engine(workflow)
    (task,) = engine.ready_user_tasks(workflow)
    engine.complete_user_task(workflow, task, {"x": 3, "amount": Decimal("50000.01"), "on": date(2026, 1, 20)})
    ours, theirs = engine.SERIALIZER.serialize_json(workflow), STOCK.serialize_json(workflow)
    assert json.loads(ours) == _to_the_millisecond(json.loads(theirs))  # the one difference we write
    changed = [t for t in json.loads(ours)["tasks"].values() if t["task_spec"] == "change"][0]["delta"]
    assert changed["deletions"] == ["y"] and changed["updates"]["x"] == 2 and changed["updates"]["nested"] == {"k": [3]}
    state = engine.dump_state(workflow)
    assert _tasks(engine.load_state(parsed, state)) == _tasks(_load(STOCK, parsed, state))
    assert engine.load_state(parsed, state).last_task.data == {"loan_id": 1, "x": 3, "nested": {"k": [3]},
                                                               "amount": Decimal("50000.01"), "on": date(2026, 1, 20)}

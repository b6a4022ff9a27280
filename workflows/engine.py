"""SpiffWorkflow integration: parse deployed sources, run the sandboxed engine, store instance state.

Only the instance state is stored per loan; the spec is parsed once per deployed version and kept
in ``SpecCache`` (docs/engine.md §Stored state: a third of the bytes, twice the throughput of embedding it).
"""
from __future__ import annotations

import json
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow import task as spiff_task
from SpiffWorkflow.bpmn.util import subworkflow as spiff_subworkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from . import clock
from .errors import FormInvalidError, ProcessError
from .safe_xml import parse_xml
from .sandbox import make_script_engine
from . import state_codec, state_pruning, task_walk
from .state_codec import StateTaskConverter, parse_id

RESERVED_DATA_KEYS = frozenset({"typename"})
TIMER_EVENT_TYPES = frozenset({"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"})


class ClockedDatetime(datetime):
    """SpiffWorkflow's timer module asks ``datetime.now``; this answers from ``workflows.clock``."""

    @classmethod
    def now(cls, tz=None):
        instant = clock.now()
        return instant.astimezone(tz) if tz else instant.astimezone().replace(tzinfo=None)


spiff_timer.datetime = ClockedDatetime  # the one place the engine's notion of time is set
spiff_task.uuid4 = state_codec.new_task_id  # new tasks' ids: unique, and alike enough to compress
spiff_subworkflow.BpmnTaskIterator = task_walk.QuickTaskIterator  # get_tasks: the same walk, less Python


class InstanceStateConverter(BpmnWorkflowConverter):
    """Serialize a workflow without its spec; restore it onto the cached spec of its version."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], parse_id, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(parse_id(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = InstanceStateConverter
    config[Task] = StateTaskConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]), "Decimal")
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]), "date")
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _build_serializer()
SPEC_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(dict(SPIFF_CONFIG)))


@dataclass(frozen=True)
class ParsedVersion:
    """The parsed specs of one deployed version."""

    spec: object
    subprocess_specs: dict


def parse_sources(process_key: str, sources: dict[str, str]) -> ParsedVersion:
    """Parse BPMN/DMN sources (file name -> XML) safely and return the process's specs."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for name in sorted(sources):
        tree = parse_xml(sources[name])
        if name.endswith(".dmn"):
            parser.add_dmn_xml(tree, filename=name)
        else:
            parser.add_bpmn_xml(tree, filename=name)
    spec = parser.get_spec(process_key)
    return ParsedVersion(spec, parser.get_subprocess_specs(process_key))


class SpecCache:
    """Parsed specs by process-version id, least recently used dropped first."""

    def __init__(self, capacity: int = 32):
        self.capacity = capacity
        self._items: OrderedDict[tuple[int, str], ParsedVersion] = OrderedDict()

    def get(self, version_row) -> ParsedVersion:
        key = (version_row.id, version_row.source_hash)
        parsed = self._items.get(key)
        if parsed is None:
            parsed = parse_sources(version_row.process_key, version_row.sources)
            self._items[key] = parsed
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        self._items.move_to_end(key)
        return parsed

    def clear(self) -> None:
        self._items.clear()


SPECS = SpecCache()
SCRIPT_ENGINE = make_script_engine()


def new_workflow(parsed: ParsedVersion, data: dict | None = None) -> BpmnWorkflow:
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    if data:
        start = workflow.get_next_task(state=TaskState.READY, spec_name="Start")
        start.data = {**start.data, **data}
    return workflow


def dump_state(workflow: BpmnWorkflow) -> bytes:
    """Instance state as compressed JSON without its finished past (``state_pruning``, ``state_codec``:
    a loan after disbursement is 34 KB of JSON, 1.1 KB stored)."""
    with state_pruning.stored_view(workflow):
        text = SERIALIZER.serialize_json(workflow)
    return state_codec.compress(text.encode("utf-8"))


def state_json(state: bytes) -> str:
    return state_codec.decompress(state).decode("utf-8")


def load_state(parsed: ParsedVersion, state: bytes) -> BpmnWorkflow:
    dct = json.loads(state_json(state))
    SERIALIZER.migrate(dct)
    workflow = SERIALIZER.from_dict(dct, spec=parsed.spec, subprocess_specs=parsed.subprocess_specs)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def check_data_keys(data: dict, path: str = "") -> None:
    """Refuse keys SpiffWorkflow's serializer would misread (``typename`` makes state unloadable)."""
    for key, value in data.items():
        if key in RESERVED_DATA_KEYS or not isinstance(key, str):
            raise FormInvalidError({path + str(key): ["this field name is reserved"]})
        if isinstance(value, dict):
            check_data_keys(value, f"{path}{key}.")


def ready_user_tasks(workflow: BpmnWorkflow) -> list:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def run_engine(workflow: BpmnWorkflow) -> None:
    """Advance until human input or a timer is needed.

    A failing script, condition or DMN cell and an uncaught error event raise ``ProcessError``
    naming the process, the task and, for a script, the line (docs/engine.md, "Errors")."""
    with engine_errors(workflow):
        workflow.refresh_waiting_tasks()
        workflow.do_engine_steps()
    errors = [e for e in workflow.get_events() if e.event_definition.__class__.__name__ == "ErrorEventDefinition"]
    if errors:
        names = ", ".join(str(getattr(e.event_definition, "code", None) or e.event_definition.name) for e in errors)
        raise ProcessError(f"the process raised an error event that nothing caught: {names}")


def complete_user_task(workflow: BpmnWorkflow, spiff_task, data: dict) -> None:
    """Merge the form's data into the task (a fresh dict: never mutate shared nested data) and run it."""
    check_data_keys(data)
    spiff_task.data = {**spiff_task.data, **data}
    with engine_errors(workflow, spiff_task):
        spiff_task.run()
    run_engine(workflow)


@contextmanager
def engine_errors(workflow: BpmnWorkflow, spiff_task=None):
    """Turn an exception raised inside SpiffWorkflow into a ``ProcessError`` that says where."""
    try:
        yield
    except ProcessError:
        raise
    except (SpiffWorkflowException, ArithmeticError, LookupError, NameError, TypeError, ValueError) as exc:
        raise process_error(exc, workflow, spiff_task) from exc


def process_error(exc: Exception, workflow: BpmnWorkflow, spiff_task=None) -> ProcessError:
    """A ``ProcessError`` from an engine exception: the failing task's process and id, and the line."""
    task = getattr(exc, "task", None) or spiff_task
    spec = getattr(task, "task_spec", None) or getattr(exc, "task_spec", None)
    process = task.workflow.spec.name if task is not None else workflow.spec.name
    line = getattr(exc, "line_number", None) or None
    detail = getattr(exc, "error_type", None) or type(exc).__name__
    message = str(exc).splitlines()[0] if str(exc) else detail
    return ProcessError(f"{detail}: {message}", process=process, task=getattr(spec, "bpmn_id", None) or
                        getattr(spec, "name", None), line=line)


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest instant a timer of this instance falls due, for the worker's index."""
    instants = []
    for waiting in workflow.waiting_events():  # subprocess timers included: one event manager per top workflow
        if waiting.event_type not in TIMER_EVENT_TYPES:
            continue
        value = getattr(waiting, "value", None)
        if isinstance(value, str):
            try:
                instants.append(datetime.fromisoformat(value))
            except ValueError:
                continue
    return min(instants) if instants else None


def task_properties(spiff_task) -> dict:
    return getattr(spiff_task.task_spec, "extensions", {}).get("properties", {})


def spec_properties(parsed: ParsedVersion, bpmn_id: str) -> dict:
    """The extension properties of the task ``bpmn_id`` in a deployed version (call activities included)."""
    for spec in (parsed.spec, *parsed.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == bpmn_id:
                return getattr(task_spec, "extensions", {}).get("properties", {})
    return {}


def due_at(period: str | None, start: datetime) -> datetime | None:
    """When a task with an ISO 8601 due period (``P3D``, ``PT12H``) started at ``start`` is due."""
    if not period:
        return None
    parsed = TimerEventDefinition.parse_iso_duration(period)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)

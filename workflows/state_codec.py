"""The stored instance state (实例状态): its compression, and a faster converter for its tasks.

**Compression.** A state is SpiffWorkflow's JSON compressed by zstd against a shared dictionary:
``b"Z" + <dictionary version byte> + <zstd frame>``. The dictionary (``data/state_dictionary_<n>.json``)
is the JSON of typical loan states (ids and personal data replaced), so what every state shares
(task spec names, keys, the delta layout) costs a few bytes: a loan after disbursement takes 1.1 KB
(see "Level and dictionary") instead of 5.5 KB with zlib. A dictionary file never changes once
shipped (states written with it name its version); a better one is added as the next version, and
states written with an older one still load, as do states written before (zlib, first byte 0x78).

**Tasks.**
SpiffWorkflow 3.2 stores each task's data as a delta against its parent's and restores it by
``DeepMerge.merge({}, parent.data)`` per task, with a fresh ``UUID`` parsed for every id, parent and
child reference. For a loan after disbursement (80 tasks) that is about half the cost of a step.
``StateTaskConverter`` writes and reads exactly the same dictionaries (``tests/workflows/engine/
test_state_codec.py`` compares both ways on states of every stage), so a state written by either
converter loads with the other; it only does the same work with less Python:

- ``DeepMerge.merge`` into an empty dict is a copy of the parent's data that copies each
  mutable value one level deep; a comprehension does that copy.
- ids are parsed and printed through small caches (an id occurs three times in a state: as the
  task, in its parent's children and as its children's parent).

**Task ids.** SpiffWorkflow gives each new task a random ``uuid4``: 80 random ids, each written three
times, were 1.4 KB of a 3.7 KB state after disbursement, since nothing random compresses.
``new_task_id`` (which ``engine`` hands SpiffWorkflow in place of ``uuid4``) keeps ids unique but
alike: a random prefix drawn once per process and a counter (``TaskIds``), so a state's ids differ in
their last digits and zstd stores most of each as a match. A forked worker draws its own prefix.
Each task's ``last_state_change`` (``time.time()`` when its state changed; nothing here reads it) is
written to the millisecond: its last four digits were noise that cost 300 bytes.

**Level and dictionary.** Dictionary 3 is the JSON of three states of one loan as they are stored
since the finished past is left out (``state_pruning``): in the middle of its application, after
its first visit and, last (zstd's nearest matches are the cheapest), after disbursement.
``bench/state_codec.py --write-dictionary`` makes one. Dictionary 2 was a disbursed loan's whole
state, dictionary 1 one with random ids. At level 7 a disbursed loan's state is about 1.1 KB with
dictionary 3, 1.2 KB with dictionary 2 (3.7 KB with dictionary 1 at level 3, before the ids were
made alike). Under about 1.2 KB, three rows of ``process_instances`` share a 4 KB SQLite page;
above it, two. ``bench/state_codec.py`` prints the sizes and times of each.
"""
from __future__ import annotations

import itertools
import os
import secrets
import threading
import zlib
from copy import copy
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from uuid import UUID

import zstandard

from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.util.task import TaskState

DICTIONARY_VERSION = 3
DICTIONARY_DIR = Path(__file__).resolve().parent / "data"
ZSTD_LEVEL = 7
ZSTD_MARK = b"Z"
ZLIB_MARK = 0x78  # the first byte of every zlib stream SpiffWorkflow states were written with before
_MUTABLE = (dict, list, set)
_PLAIN_MUTABLE = frozenset(_MUTABLE)
_SHARED = frozenset((str, int, float, bool, type(None), Decimal, date, datetime))  # immutable: never copied


class TaskIds:
    """Unique task ids that compress (see the module's docstring): 64 random bits per process, with
    the version nibble 8 (RFC 9562's custom layout), then the RFC variant and a counter that starts at
    a random 40-bit offset, so two processes share ids only if 60 random bits and their ranges meet."""

    def __init__(self):
        self.reseed()

    def reseed(self) -> None:
        self.prefix = (secrets.randbits(64) & ~(0xF << 12) | (0x8 << 12)) << 64
        self.counter = itertools.count(secrets.randbits(40))  # next() is atomic under the GIL

    def __call__(self) -> UUID:
        return UUID(int=self.prefix | (0b10 << 62) | next(self.counter))


new_task_id = TaskIds()
os.register_at_fork(after_in_child=new_task_id.reseed)  # gunicorn's workers fork from one parent


@lru_cache(maxsize=16384)
def parse_id(text: str) -> UUID:
    return UUID(text)


@lru_cache(maxsize=16384)
def print_id(task_id: UUID) -> str:
    return str(task_id)


def copied_data(parent_data: dict) -> dict:
    """``DeepMerge.merge({}, parent_data)``: the same keys, each dict/list/set value copied one level.

    The dict is copied whole (in C) and only its mutable values replaced: most values of task data
    are strings, numbers, dates and Decimals, which a restored task shares with its parent as
    SpiffWorkflow's merge does. A fifth less time to load a disbursed loan's state."""
    data = parent_data.copy()
    for key, value in parent_data.items():
        kind = type(value)
        if kind in _SHARED:
            continue
        if kind in _PLAIN_MUTABLE:
            data[key] = value.copy()
        elif isinstance(value, _MUTABLE):
            data[key] = copy(value)
    return data


class StateTaskConverter(TaskConverter):
    """SpiffWorkflow's ``TaskConverter`` with the same output and input, done with less work."""

    def to_dict(self, task):
        parent = task.parent
        if parent is None:
            data, delta = task.data, {}
        else:
            data, parent_data, own = {}, parent.data, task.data
            delta = {"updates": {key: value for key, value in own.items()
                                 if key not in parent_data or value != parent_data[key]},
                     "deletions": [key for key in parent_data if key not in own]}
        internal = task.internal_data
        return {
            "id": print_id(task.id),
            "parent": print_id(task._parent) if parent is not None else None,
            "children": [print_id(child) for child in task._children],
            "last_state_change": round(task.last_state_change, 3),  # to the millisecond: see the docstring
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(internal) if internal else {},
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct, workflow):
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=parse_id(dct["id"]))
        parent_id = dct["parent"]
        task._parent = parse_id(parent_id) if parent_id is not None else None
        task._children = [parse_id(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        internal = dct["internal_data"]
        task.internal_data = self.registry.restore(internal) if internal else {}
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = task.parent if parent_id is not None else None
        if delta and parent is not None:
            data = copied_data(parent.data)
            updates = delta.get("updates")
            if updates:
                data.update(self.registry.restore(updates))
            for key in delta.get("deletions", ()):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


@lru_cache(maxsize=None)
def dictionary(version: int) -> zstandard.ZstdCompressionDict:
    """The shipped compression dictionary ``version`` (raw content: the JSON of a typical state)."""
    content = (DICTIONARY_DIR / f"state_dictionary_{version}.json").read_bytes()
    prepared = zstandard.ZstdCompressionDict(content, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    prepared.precompute_compress(level=ZSTD_LEVEL)
    return prepared


class _Codecs(threading.local):
    """zstd (de)compressors are not to be shared between threads: one pair per thread."""

    def __init__(self):
        self.compressors: dict[int, zstandard.ZstdCompressor] = {}
        self.decompressors: dict[int, zstandard.ZstdDecompressor] = {}


_CODECS = _Codecs()


def compress(text: bytes, version: int = DICTIONARY_VERSION) -> bytes:
    """A state's JSON bytes as stored: ``Z``, the dictionary version, a zstd frame (with checksum)."""
    compressor = _CODECS.compressors.get(version)
    if compressor is None:
        compressor = _CODECS.compressors[version] = zstandard.ZstdCompressor(
            level=ZSTD_LEVEL, dict_data=dictionary(version), write_checksum=True, write_dict_id=False)
    return ZSTD_MARK + bytes((version,)) + compressor.compress(text)


def decompress(state: bytes) -> bytes:
    """The JSON bytes of a stored state, whichever format it was written in (zstd + dictionary, or zlib)."""
    if state[:1] == ZSTD_MARK and len(state) > 2:
        version = state[1]
        decompressor = _CODECS.decompressors.get(version)
        if decompressor is None:
            decompressor = _CODECS.decompressors[version] = zstandard.ZstdDecompressor(dict_data=dictionary(version))
        return decompressor.decompress(state[2:])
    if state[:1] == bytes((ZLIB_MARK,)):
        return zlib.decompress(state)
    raise ValueError("not a stored process state (neither zstd with a dictionary nor zlib)")

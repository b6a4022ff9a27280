"""Deployed versions of a process and the differences between two sets of sources (版本与差异).

``version_diff`` compares flow elements (tasks, events, gateways, sequence flows) of every BPMN
file and the rules, input and output columns of every DMN decision, by id. An element counts as
changed when its XML (attributes and content, layout aside) differs; a sub-process is compared
without the flow elements inside it, which are compared on their own. Documentation counts too.
"""
from __future__ import annotations

import sqlalchemy as sa
from lxml import etree

from models import ProcessVersion, db

from .errors import NotFoundError
from .safe_xml import parse_xml
from .validation.xml import FLOW_ELEMENTS, local

DMN_ELEMENTS = frozenset({"rule", "input", "output"})


def versions(process_key: str) -> list[ProcessVersion]:
    """Every deployed version, newest first, with author (``deployed_by``), time and comment."""
    return list(db.session.scalars(
        sa.select(ProcessVersion).where(ProcessVersion.process_key == process_key)
        .order_by(ProcessVersion.version.desc())))


def process_keys() -> list[str]:
    return list(db.session.scalars(sa.select(ProcessVersion.process_key).distinct().order_by(ProcessVersion.process_key)))


def version(process_key: str, number: int) -> ProcessVersion:
    row = db.session.scalars(sa.select(ProcessVersion).filter_by(process_key=process_key, version=number)).first()
    if row is None:
        raise NotFoundError(f"version {number} of {process_key}")
    return row


def _sources(value) -> dict[str, str]:
    return value.sources if isinstance(value, ProcessVersion) else (value or {})


def fingerprints(sources: dict[str, str]) -> dict[str, bytes]:
    """Element id -> canonical XML of each comparable element of every file."""
    result: dict[str, bytes] = {}
    for name in sorted(sources):
        root = parse_xml(sources[name])
        wanted = DMN_ELEMENTS if name.endswith(".dmn") else FLOW_ELEMENTS
        for element in root.iter():
            if isinstance(element.tag, str) and local(element) in wanted and element.get("id"):
                result[element.get("id")] = _canonical(element)
    return result


def _canonical(element) -> bytes:
    copy = etree.fromstring(etree.tostring(element))
    for child in list(copy):
        if isinstance(child.tag, str) and local(child) in FLOW_ELEMENTS | {"laneSet"}:
            copy.remove(child)
    for node in copy.iter():
        node.tail = (node.tail or "").strip() or None
        if len(node):
            node.text = (node.text or "").strip() or None
    return etree.tostring(copy, method="c14n")


def version_diff(old, new) -> dict[str, list[str]]:
    """``{"added": [ids], "removed": [ids], "changed": [ids]}`` between two versions or source sets."""
    before, after = fingerprints(_sources(old)), fingerprints(_sources(new))
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": sorted(k for k in before.keys() & after.keys() if before[k] != after[k]),
    }


def summary(diff: dict[str, list[str]]) -> str:
    """One line for people: ``added: a, b; changed: c`` (``no changes`` when empty)."""
    parts = [f"{kind}: {', '.join(ids)}" for kind, ids in diff.items() if ids]
    return "; ".join(parts) or "no changes"

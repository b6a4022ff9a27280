"""Deployed versions of a process and the differences between two sets of sources (版本与差异).

``changes`` (workflows/version_changes.py) says what changed in words: tasks, flows and their
conditions, lanes, forms, due periods, DMN rows and cells, each added, removed or changed, with
names. ``version_diff`` is its short form, the element ids by kind (audit events, conflicts).
Layout, attribute order, defaults an editor leaves out and the derived ``incoming``/``outgoing``
references never count.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import ProcessVersion, db

from . import version_changes
from .errors import NotFoundError


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


def version_diff(old, new) -> dict[str, list[str]]:
    """``{"added": [ids], "removed": [ids], "changed": [ids]}`` between two versions or source sets."""
    found = changes(old, new)
    return {kind: sorted({c.id for c in found if c.kind == kind}) for kind in ("added", "removed", "changed")}


def changes(old, new) -> list[version_changes.Change]:
    """What changed between two versions or source sets, element by element, with names."""
    return version_changes.changes(_sources(old), _sources(new))


def summary(diff: dict[str, list[str]]) -> str:
    """One line for people: ``added: a, b; changed: c`` (``no changes`` when empty)."""
    parts = [f"{kind}: {', '.join(ids)}" for kind, ids in diff.items() if ids]
    return "; ".join(parts) or "no changes"

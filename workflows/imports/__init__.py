"""Spreadsheet imports (批量导入): the household list, earlier-campaign loans, LPR publications.

Each importer has ``COLUMNS`` (our keys and the Chinese/English headers accepted), ``check(...)``
(read and validate every row, nothing written: an ``ImportReport``) and an all-or-nothing service
(one transaction, one audit event) that raises ``ImportRefusedError`` carrying the report when any
row or the header is wrong. ``preview`` / ``run`` give the three one interface for the web layer;
both first refuse a file over the upload limits (``UploadRefusedError``, see ``limits``) before it is
parsed. ``staging`` keeps an uploaded file between preview and confirmation.
"""
from __future__ import annotations

from ..audit import Actor
from . import households, loans, lpr
from .limits import UploadRefusedError
from .reading import Column, check_upload
from .report import ImportRefusedError, ImportReport, acting_as

ROLES = {"households": "rural_bureau", "loans": "bank_officer", "lpr": "admin"}
IMPORTERS = {"households": households, "loans": loans, "lpr": lpr}
SERVICES = {"households": households.import_households, "loans": loans.import_loans, "lpr": lpr.import_lpr}

__all__ = ["IMPORTERS", "ROLES", "ImportRefusedError", "ImportReport", "UploadRefusedError", "columns", "preview",
           "require_role", "run"]


def require_role(kind: str, actor: Actor) -> Actor:
    """The actor in the role that runs imports of ``kind``; ``ForbiddenError`` otherwise."""
    return acting_as(actor, ROLES[kind])


def columns(kind: str) -> tuple[Column, ...]:
    return IMPORTERS[kind].COLUMNS


def preview(kind: str, actor: Actor, data: bytes, filename: str) -> ImportReport:
    """The report of what importing the file would do; nothing is written."""
    who = require_role(kind, actor)
    check_upload(data, filename)
    if kind == "loans":
        return loans.check(data, filename, loans.bank_of(who))
    return IMPORTERS[kind].check(data, filename)


def run(kind: str, actor: Actor, data: bytes, filename: str) -> ImportReport:
    """Import all or nothing (one transaction); ``ImportRefusedError`` with the report if any row is wrong."""
    require_role(kind, actor)
    check_upload(data, filename)
    return SERVICES[kind](actor, data, filename)

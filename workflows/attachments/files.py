"""Files on a task (任务附件): attach while the task is open, read wherever the loan may be seen.

Who may attach: whoever may complete the task (its holder, or anyone of its role and scope while it
is unclaimed; ``access.task_for`` with ``COMPLETE``). Who may see and download: whoever may see the
task's loan (``permissions.may_view_loan``); for a task without a loan, whoever may read the task.
Anyone else is told the file does not exist (``NotFoundError``).

Each task holds at most ``MAX_FILES_PER_TASK`` files (``attachment_limit``). The same bytes attached
to the same task again answer the first attachment and write nothing; attached to another task they
get a row of their own but are stored once. Every attachment is an audit event ``attachment_added``
carrying the file's SHA-256.
"""
from __future__ import annotations

import hashlib
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

import sqlalchemy as sa

from models import Attachment, HumanTask, Loan, User, db

from .. import audit, clock
from ..errors import NotFoundError, PolicyViolationError
from ..permissions import may_view_loan
from ..tasks import access
from ..tasks.access import Purpose
from ..unit_of_work import unit_of_work
from . import content
from .storage import Storage

MAX_FILES_PER_TASK = 20
NAME_MAX = 200


@unit_of_work
def attach(actor: audit.Actor, task_id: int, file_name: str, data: bytes, storage: Storage) -> tuple[Attachment, bool]:
    """Check ``data`` by content, store it under its hash and record it on the open task ``task_id``.

    Answers the attachment and whether it is new (False: the same bytes were on the task already)."""
    task = access.task_for(actor.user, task_id, Purpose.COMPLETE)
    name = clean_name(file_name)
    checked = content.check(data, name)
    digest = hashlib.sha256(data).hexdigest()
    _lock(task)
    existing = db.session.scalars(sa.select(Attachment).filter_by(human_task_id=task.id, sha256=digest)).first()
    if existing is not None:
        return existing, False
    if count_on(task.id) >= MAX_FILES_PER_TASK:
        raise PolicyViolationError(["attachment_limit"], {"file": ["attachment_limit"]})
    storage.put(digest, data)
    thumbnail = _store_thumbnail(checked.thumbnail, storage)
    row = Attachment(human_task_id=task.id, loan_id=task.loan_id, sha256=digest, content_type=checked.content_type,
                     file_name=name, size_bytes=len(data), width=checked.width, height=checked.height,
                     thumbnail_sha256=thumbnail, uploaded_by_id=actor.user.id, uploaded_at=clock.wall_now())
    db.session.add(row)
    db.session.flush()
    _record(actor, task, row)
    return row, True


def _lock(task: HumanTask) -> None:
    """Hold the task row until commit (PostgreSQL), so two uploads at once count each other."""
    db.session.execute(sa.select(HumanTask.id).where(HumanTask.id == task.id).with_for_update())


def _store_thumbnail(thumbnail: bytes | None, storage: Storage) -> str | None:
    if thumbnail is None:
        return None
    digest = hashlib.sha256(thumbnail).hexdigest()
    storage.put(digest, thumbnail)
    return digest


def _record(actor: audit.Actor, task: HumanTask, row: Attachment) -> None:
    loan = db.session.get(Loan, task.loan_id) if task.loan_id else None
    audit.record("attachment_added", audit.Actor(actor.user, task.role, actor.ip_address), loan=loan,
                 process_instance_id=task.process_instance_id, task_name=task.name, comment=row.file_name,
                 after={"attachment_id": row.id, "file_name": row.file_name, "sha256": row.sha256,
                        "content_type": row.content_type, "size_bytes": row.size_bytes})


def clean_name(file_name: str | None) -> str:
    """The name without folders or control characters, at most ``NAME_MAX`` characters (the extension kept)."""
    base = PureWindowsPath(PurePosixPath(file_name or "").name).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > NAME_MAX:
        stem, dot, ext = base.rpartition(".")
        base = stem[:NAME_MAX - len(ext) - 1] + dot + ext if dot and len(ext) < 10 else base[:NAME_MAX]
    return base or "file"


def count_on(task_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attachment).filter_by(human_task_id=task_id))


def may_see(user: User | None, task: HumanTask) -> bool:
    """Who may see a task's files: who may see its loan; for a task without one, who may read it."""
    if user is None or not user.is_active:
        return False
    if task.loan_id is not None:
        return may_view_loan(user, db.session.get(Loan, task.loan_id))
    return access.may_read(user, task)


def file_for(user: User | None, attachment_id: int) -> Attachment:
    """The attachment if ``user`` may see it; ``NotFoundError`` otherwise (missing or not theirs alike)."""
    row = db.session.get(Attachment, attachment_id)
    if row is None or not may_see(user, row.task):
        raise NotFoundError(f"attachment {attachment_id}")
    return row


def task_files(user: User | None, task_id: int) -> list[Attachment]:
    """The files of a task ``user`` may read (403 outside its role and scope, as the task pages)."""
    task = access.task_for(user, task_id, Purpose.READ)
    if not may_see(user, task):
        raise NotFoundError(f"task {task_id}")
    return _ordered(Attachment.human_task_id == task.id)


def loan_files(loan: Loan) -> list[Attachment]:
    """The files of every task of ``loan`` (the caller checked the loan is visible), oldest first."""
    return _ordered(Attachment.loan_id == loan.id)


def _ordered(condition) -> list[Attachment]:
    query = sa.select(Attachment).where(condition).order_by(Attachment.uploaded_at, Attachment.id)
    return list(db.session.scalars(query))

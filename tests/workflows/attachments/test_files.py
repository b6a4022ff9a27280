"""Files on a task: attached by whoever may complete it, stored once under their hash, audited, and seen
by whoever may see the loan."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from models import Attachment, AuditEvent, db
from tests.conftest import count, table_count
from tests.factories import drive
from workflows import audit
from workflows.attachments import files
from workflows.attachments.storage import LocalStorage
from workflows.errors import AlreadyCompletedError, ForbiddenError, NotFoundError, PolicyViolationError

from .samples import investigation, jpeg, pdf, phone_photo, png


@pytest.fixture
def storage(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "attachments")


def test_a_photo_is_stored_under_its_hash_and_recorded_with_it(world, storage):
    task = investigation(world)
    data = phone_photo()
    row, created = files.attach(world.actor("officer_rcb"), task.id, "IMG_0001.jpg", data, storage)
    digest = hashlib.sha256(data).hexdigest()
    assert created and (row.sha256, row.loan_id, row.size_bytes) == (digest, task.loan_id, len(data))
    assert (storage.root / digest[:2] / digest).read_bytes() == data
    assert storage.read(row.thumbnail_sha256).startswith(b"\xff\xd8\xff")
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="attachment_added")).one()
    assert event.after["sha256"] == digest and event.after["attachment_id"] == row.id
    assert (event.loan_id, event.task_name, event.actor_role) == (task.loan_id, "investigate_credit", "bank_officer")
    assert audit.verify().ok


def test_a_file_attached_twice_is_stored_once(world, storage):
    first, second = investigation(world), investigation(world)
    data = pdf()
    files.attach(world.actor("officer_rcb"), first.id, "contract.pdf", data, storage)
    again, created = files.attach(world.actor("officer_rcb"), first.id, "contract (1).pdf", data, storage)
    assert not created and again.file_name == "contract.pdf"  # the same task: the first attachment, nothing new
    other, created = files.attach(world.actor("officer_rcb"), second.id, "contract.pdf", data, storage)
    assert created and other.sha256 == again.sha256
    assert table_count(Attachment) == 2 and count(AuditEvent, action="attachment_added") == 2
    assert [path.name for path in storage.root.rglob("*") if path.is_file()] == [again.sha256]


def test_a_refused_file_leaves_nothing_behind(world, storage):
    task = investigation(world)
    with pytest.raises(PolicyViolationError) as refused:
        files.attach(world.actor("officer_rcb"), task.id, "scan.pdf", png(), storage)
    assert refused.value.codes == ("attachment_type_refused",)
    assert table_count(Attachment) == 0 and count(AuditEvent, action="attachment_added") == 0
    assert not storage.root.exists()


def test_only_whoever_may_complete_the_open_task_attaches(world, storage):
    task = investigation(world)
    for outsider in ("clerk_hanfeng", "officer_psbc", "approver_rcb", "supervisor", "admin"):
        with pytest.raises(ForbiddenError):
            files.attach(world.actor(outsider), task.id, "a.jpg", jpeg(), storage)
    drive(world, task.loan_id, until="approve_loan")
    with pytest.raises(AlreadyCompletedError):  # files go on a task while it is open
        files.attach(world.actor("officer_rcb"), task.id, "a.jpg", jpeg(), storage)


def test_a_task_holds_at_most_the_limit_of_files(world, storage, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILES_PER_TASK", 2)
    task = investigation(world)
    officer = world.actor("officer_rcb")
    files.attach(officer, task.id, "1.jpg", jpeg(10, 10), storage)
    files.attach(officer, task.id, "2.jpg", jpeg(11, 10), storage)
    with pytest.raises(PolicyViolationError) as refused:
        files.attach(officer, task.id, "3.jpg", jpeg(12, 10), storage)
    assert refused.value.codes == ("attachment_limit",)
    assert files.attach(officer, task.id, "2 again.jpg", jpeg(11, 10), storage)[1] is False  # no new file


def test_who_may_see_a_file_is_who_may_see_the_loan(world, storage):
    task = investigation(world)
    row, _ = files.attach(world.actor("officer_rcb"), task.id, "a.png", png(), storage)
    for username in ("officer_rcb", "approver_rcb", "clerk_hanfeng", "bureau", "finance", "supervisor", "admin"):
        assert files.file_for(world.users[username], row.id) == row
    for username in ("clerk_zhaojia", "officer_psbc"):
        with pytest.raises(NotFoundError):
            files.file_for(world.users[username], row.id)
    with pytest.raises(NotFoundError):
        files.file_for(world.users["officer_rcb"], row.id + 1)


@pytest.mark.parametrize("given, kept", [
    ("../../etc/passwd.jpg", "passwd.jpg"), ("C:\\Users\\me\\走访照片.JPG", "走访照片.JPG"),
    ("a\x00b\nc.png", "abc.png"), ("", "file"), ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
])
def test_a_file_name_keeps_no_folders_or_control_characters(given, kept):
    assert files.clean_name(given) == kept

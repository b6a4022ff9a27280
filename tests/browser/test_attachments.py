"""Comments and attachments through the real pages: a township clerk attaches two photos to a post-loan
visit, completes it, and the loan page shows both (with their thumbnails and in its history)."""
from __future__ import annotations

import sqlalchemy as sa

from models import Attachment, AuditEvent, HumanTask, db
from tests.factories_tasks import visit
from tests.workflows.attachments.samples import jpeg, png

from .conftest import login, screenshot


def test_a_visit_with_two_photos_shows_them_on_the_loan_page(app, world, live_server, browser, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_STORAGE", f"file:{tmp_path}")
    reached = visit(world)  # a loan disbursed through the diagram, its first quarterly visit due
    task, loan_id = reached.task, reached.task.loan_id
    photos = {"走访照片1.jpg": jpeg(1200, 900, noise=True), "走访照片2.png": png(640, 480)}
    for name, data in photos.items():
        (tmp_path / name).write_bytes(data)

    with reached.acting():
        clerk = login(browser, live_server, "clerk_hanfeng")
        clerk.goto(f"{live_server}/tasks/{task.id}")
        clerk.wait_for_selector("#attachment-form")
        assert "单个文件不超过15 MB" in clerk.inner_text("#attachment-limits")
        clerk.set_input_files("#attachment-form input[type=file]", [str(tmp_path / name) for name in photos])
        clerk.click("#attachment-form [type=submit]")
        clerk.wait_for_selector(".alert-success")
        assert "已上传2个附件" in clerk.inner_text(".alert-success")
        assert clerk.locator("#attachments img.attachment-thumbnail").count() == 2
        screenshot(clerk, "task_visit_with_photos")

        clerk.check("[name=used_for_production][value=yes]")
        clerk.fill("[name=visit_note]", "养殖正常，已拍照")
        clerk.click("#task-form [type=submit]")
        clerk.wait_for_selector(".alert-success")
        db.session.expire_all()
        assert db.session.get(HumanTask, task.id).state == "completed"

        clerk.goto(f"{live_server}/loans/{loan_id}")
        names = clerk.locator("#loan-files .attachment-name").all_inner_texts()
        assert sorted(names) == sorted(photos)
        thumbnails = clerk.locator("#loan-files img.attachment-thumbnail")
        assert thumbnails.count() == 2
        assert clerk.evaluate("() => [...document.querySelectorAll('#loan-files img')].every(i => i.naturalWidth > 0)")
        assert clerk.locator('#loan-timeline [data-action="attachment_added"]').count() == 2
        screenshot(clerk, "loan_with_visit_photos")

        link = clerk.locator("#loan-files a").first.get_attribute("href")
        download = clerk.request.get(f"{live_server}{link}")
        assert download.status == 200 and download.headers["x-content-type-options"] == "nosniff"
        assert download.body() in photos.values()

    events = db.session.scalars(sa.select(AuditEvent).filter_by(action="attachment_added")).all()
    stored = db.session.scalars(sa.select(Attachment).filter_by(loan_id=loan_id)).all()
    assert sorted(e.after["sha256"] for e in events) == sorted(a.sha256 for a in stored)

"""Files on the task page, downloads and the comment thread on the loan page, for every role."""
from __future__ import annotations

import io

import pytest

from models import Attachment, AuditEvent, Comment, Loan, db
from tests.conftest import count, table_count
from tests.workflows.attachments.samples import investigation, jpeg, pdf, png
from workflows.attachments import files

VISIBLE = ("officer_rcb", "approver_rcb", "clerk_hanfeng", "bureau", "finance", "supervisor", "admin")
OUTSIDE = ("clerk_zhaojia", "officer_psbc")


@pytest.fixture
def task(app, world, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_STORAGE", f"file:{tmp_path}")
    return investigation(world)


def upload(client, task_id: int, *named_files):
    data = {"files": [(io.BytesIO(content), name) for name, content in named_files]}
    return client.post(f"/tasks/{task_id}/attachments", data=data, content_type="multipart/form-data")


def test_the_officer_attaches_photos_and_a_scan_and_both_pages_show_them(login, task):
    officer = login("officer_rcb")
    assert 'id="attachment-form"' in officer.get(f"/tasks/{task.id}").text
    answer = upload(officer, task.id, ("走访1.jpg", jpeg(80, 60)), ("走访2.png", png()), ("合同.pdf", pdf()))
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/tasks/{task.id}#attachments")
    page = officer.get(f"/tasks/{task.id}").text
    assert "已上传3个附件" in page and "走访1.jpg" in page and "单个文件不超过15 MB" in page
    loan_page = officer.get(f"/loans/{task.loan_id}").text
    assert loan_page.count('class="img-thumbnail attachment-thumbnail"') == 2 and "合同.pdf" in loan_page
    assert count(AuditEvent, action="attachment_added") == 3


def test_a_refused_file_is_named_with_its_rule_and_the_others_are_kept(login, task):
    officer = login("officer_rcb")
    upload(officer, task.id, ("scan.pdf", png()), ("ok.jpg", jpeg()))
    page = officer.get(f"/tasks/{task.id}").text
    assert "scan.pdf: 只能上传JPEG、PNG照片或PDF文件" in page and "attachment_type_refused" in page
    assert [row.file_name for row in files.loan_files(db.session.get(Loan, task.loan_id))] == ["ok.jpg"]


@pytest.mark.parametrize("username", ["clerk_hanfeng", "approver_rcb", "officer_psbc", "supervisor", "admin"])
def test_whoever_may_not_complete_the_task_may_not_attach(login, task, username):
    assert upload(login(username), task.id, ("a.jpg", jpeg())).status_code == 403
    assert table_count(Attachment) == 0


def test_the_upload_form_is_only_for_whoever_may_attach(login, task):
    page = login("supervisor").get(f"/tasks/{task.id}").text
    assert 'id="task-files-heading"' in page and 'id="attachment-form"' not in page


def test_who_may_download_is_who_may_see_the_loan(app, login, world, task):
    photo, _ = files.attach(world.actor("officer_rcb"), task.id, "照片.jpg", jpeg(), storage(app))
    scan, _ = files.attach(world.actor("officer_rcb"), task.id, "合同.pdf", pdf(), storage(app))
    for username in VISIBLE:
        client = login(username)
        image = client.get(f"/attachments/{photo.id}")
        assert image.status_code == 200 and image.data == jpeg() and image.mimetype == "image/jpeg"
        assert image.headers["Content-Disposition"].startswith("inline")
        assert image.headers["X-Content-Type-Options"] == "nosniff"
        document = client.get(f"/attachments/{scan.id}")
        assert document.mimetype == "application/pdf" and document.headers["Content-Disposition"].startswith("attachment")
        assert "filename*=UTF-8''%E5%90%88%E5%90%8C.pdf" in document.headers["Content-Disposition"]
        assert client.get(f"/attachments/{photo.id}/thumbnail").mimetype == "image/jpeg"
        assert client.get(f"/attachments/{scan.id}/thumbnail").status_code == 404  # a PDF has an icon
    for username in OUTSIDE:
        client = login(username)
        assert [client.get(f"/attachments/{row.id}").status_code for row in (photo, scan)] == [404, 404]
        assert client.get(f"/attachments/{photo.id}/thumbnail").status_code == 404
    anonymous = app.test_client().get(f"/attachments/{photo.id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def storage(app):
    from webapp.attachments import attachment_storage

    with app.test_request_context():
        return attachment_storage()


def test_a_comment_and_a_question_appear_on_the_loan_and_task_pages(login, task):
    clerk = login("clerk_hanfeng")
    assert clerk.post(f"/loans/{task.loan_id}/comments", data={"body": "户主电话已更新", "task_id": ""}).status_code == 302
    assert clerk.post(f"/loans/{task.loan_id}/comments",
                      data={"body": "收入是否核实？", "task_id": str(task.id)}).status_code == 302
    page = clerk.get(f"/loans/{task.loan_id}").text
    assert "评论已发表" in page and "户主电话已更新" in page and "收入是否核实？" in page
    assert page.count('class="badge text-bg-info">向“') == 1
    assert "收入是否核实？" in login("officer_rcb").get(f"/tasks/{task.id}").text
    assert count(Comment) == 2 and count(AuditEvent, action="comment_added") == 2


def test_an_empty_comment_is_refused_with_its_message(login, task):
    clerk = login("clerk_hanfeng")
    clerk.post(f"/loans/{task.loan_id}/comments", data={"body": "   ", "task_id": ""})
    assert "评论内容不能为空（comment_empty）" in clerk.get(f"/loans/{task.loan_id}").text
    assert table_count(Comment) == 0


@pytest.mark.parametrize("username", OUTSIDE)
def test_outside_the_scope_the_loan_s_thread_does_not_exist(login, task, username):
    assert login(username).post(f"/loans/{task.loan_id}/comments", data={"body": "看看"}).status_code == 404
    assert table_count(Comment) == 0


def test_pages_need_the_csrf_token(app, login, task):
    officer = login("officer_rcb")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert upload(officer, task.id, ("a.jpg", jpeg())).status_code == 400
        assert officer.post(f"/loans/{task.loan_id}/comments", data={"body": "x"}).status_code == 400
        page = officer.get(f"/tasks/{task.id}").text
        token = page.split('id="attachment-form"', 1)[1].split('name="csrf_token" type="hidden" value="', 1)[1]
        token = token.split('"', 1)[0]
        answer = officer.post(f"/tasks/{task.id}/attachments", content_type="multipart/form-data",
                              data={"csrf_token": token, "files": [(io.BytesIO(jpeg()), "a.jpg")]})
        assert answer.status_code == 302 and table_count(Attachment) == 1 and table_count(Comment) == 0
    finally:
        app.config["WTF_CSRF_ENABLED"] = False

"""Comments and files through the API: the same rules as the pages, the answers as documented."""
from __future__ import annotations

import hashlib
import io

import pytest

from models import Attachment, Comment
from tests.conftest import table_count
from tests.webapp.api.conftest import Api
from tests.workflows.attachments.samples import investigation, jpeg, pdf, png

VISIBLE = ("officer_rcb", "approver_rcb", "clerk_hanfeng", "bureau", "finance", "supervisor", "admin")
OUTSIDE = ("clerk_zhaojia", "officer_psbc")


@pytest.fixture
def api(client, login) -> Api:
    return Api(client, login)


@pytest.fixture
def task(app, world, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_STORAGE", f"file:{tmp_path}")
    return investigation(world)


def post_file(api: Api, task_id: int, name: str, content: bytes, as_: str = "officer_rcb"):
    return api.post(f"/tasks/{task_id}/attachments", as_, data={"file": (io.BytesIO(content), name)},
                    content_type="multipart/form-data")


def test_a_file_is_uploaded_listed_and_downloaded(api, task):
    answer = post_file(api, task.id, "visit.jpg", jpeg())
    assert answer.status_code == 201
    attachment = answer.get_json()["attachment"]
    assert attachment["sha256"] == hashlib.sha256(jpeg()).hexdigest() and attachment["content_type"] == "image/jpeg"
    again = post_file(api, task.id, "visit again.jpg", jpeg())
    assert again.status_code == 200 and again.get_json()["attachment"]["id"] == attachment["id"]
    assert [f["id"] for f in api.get(f"/tasks/{task.id}/attachments", "officer_rcb").get_json()["items"]] == [
        attachment["id"]]
    for username in VISIBLE:
        assert api.get(f"/loans/{task.loan_id}/attachments", username).get_json()["items"] == [attachment]
        download = api.get(f"/attachments/{attachment['id']}", username)
        assert download.status_code == 200 and download.data == jpeg() and download.mimetype == "image/jpeg"
    for username in OUTSIDE:
        assert api.get(f"/attachments/{attachment['id']}", username).status_code == 404
        assert api.get(f"/loans/{task.loan_id}/attachments", username).status_code == 404


def test_a_pdf_downloads_as_an_attachment(api, task):
    attachment = post_file(api, task.id, "contract.pdf", pdf()).get_json()["attachment"]
    download = api.get(f"/attachments/{attachment['id']}", "approver_rcb")
    assert download.mimetype == "application/pdf" and download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name, content, code", [("scan.pdf", png(), "attachment_type_refused"),
                                                 ("notes.jpg", b"plain text\n" * 20, "attachment_type_refused")])
def test_a_file_refused_by_its_content_answers_its_rule_code(api, task, name, content, code):
    answer = post_file(api, task.id, name, content)
    assert answer.status_code == 422 and answer.get_json()["codes"] == [code]
    assert table_count(Attachment) == 0


def test_an_upload_without_a_file_is_invalid(api, task):
    answer = api.post(f"/tasks/{task.id}/attachments", "officer_rcb", json={})
    assert answer.status_code == 422 and "file" in answer.get_json()["errors"]


@pytest.mark.parametrize("username, status", [("clerk_hanfeng", 403), ("officer_psbc", 403), ("supervisor", 403),
                                              (None, 401)])
def test_only_whoever_may_complete_the_task_uploads(api, task, username, status):
    assert post_file(api, task.id, "a.jpg", jpeg(), as_=username).status_code == status
    assert table_count(Attachment) == 0


def test_comments_are_posted_and_listed_by_whoever_sees_the_loan(api, task):
    answer = api.post(f"/loans/{task.loan_id}/comments", "clerk_hanfeng", json={"body": "已电话回访"})
    assert answer.status_code == 201 and answer.get_json()["comment"]["task_id"] is None
    question = api.post(f"/loans/{task.loan_id}/comments", "bureau", json={"body": "请补充流水", "task_id": task.id})
    assert question.status_code == 201 and question.get_json()["comment"]["task_id"] == task.id
    for username in VISIBLE:
        items = api.get(f"/loans/{task.loan_id}/comments", username).get_json()["items"]
        assert [item["body"] for item in items] == ["已电话回访", "请补充流水"]
    for username in OUTSIDE:
        assert api.get(f"/loans/{task.loan_id}/comments", username).status_code == 404
        assert api.post(f"/loans/{task.loan_id}/comments", username, json={"body": "x"}).status_code == 404


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "   "}, {"body": "x" * 2001}, {"body": "x", "task_id": 0}])
def test_a_comment_outside_the_document_is_invalid(api, task, body):
    answer = api.post(f"/loans/{task.loan_id}/comments", "clerk_hanfeng", json=body)
    assert answer.status_code == 422 and answer.get_json()["codes"] == ["invalid"]
    assert table_count(Comment) == 0


def test_a_question_on_a_task_of_another_loan_is_invalid(api, world, task):
    other = investigation(world)
    answer = api.post(f"/loans/{task.loan_id}/comments", "clerk_hanfeng", json={"body": "问", "task_id": other.id})
    assert answer.status_code == 422 and "task_id" in answer.get_json()["errors"]

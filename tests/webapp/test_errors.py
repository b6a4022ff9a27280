"""Domain and HTTP errors answer a Chinese page, or JSON under /api/ and for JSON clients."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from flask import Blueprint, abort

from models import db
from webapp import create_app
from webapp.errors import error_payload
from workflows.errors import (AlreadyCompletedError, ConcurrentUpdateError, ForbiddenError, FormInvalidError,
                              FourEyesError, NotFoundError, PolicyViolationError)

COMPLETED_AT = datetime(2026, 11, 27, 6, 5, tzinfo=timezone.utc)
ERRORS = {
    "policy": (lambda: PolicyViolationError(["amount_over_cap"], {"amount": ["amount_over_cap"]}),
               422, ["amount_over_cap"], "贷款金额超过单户5万元上限"),
    "invalid": (lambda: FormInvalidError({"name": ["required"]}), 422, ["invalid"], "请检查表单"),
    "forbidden": (lambda: ForbiddenError(), 403, ["forbidden"], "您无权进行此操作"),
    "four_eyes": (lambda: FourEyesError(), 403, ["four_eyes"], "按四眼原则须由另一位同事办理"),
    "not_found": (lambda: NotFoundError(), 404, ["not_found"], "记录不存在"),
    "stale": (lambda: ConcurrentUpdateError(), 409, ["stale"], "请刷新页面后重试"),
    "done": (lambda: AlreadyCompletedError("approver_rcb", COMPLETED_AT), 409, ["already_completed"], "已由他人办理完成"),
}
HTTP = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
        413: "too_large", 422: "invalid", 429: "too_many_requests"}


def _raise(kind):
    raise ERRORS[kind][0]()


def _crash():
    db.session.execute(db.text("SELECT 1"))
    raise RuntimeError("boom")


@pytest.fixture
def boom_app(database_url, app):
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                        "PROPAGATE_EXCEPTIONS": False})
    boom = Blueprint("boom_test", __name__)
    for prefix in ("/boom", "/api/boom"):
        boom.add_url_rule(f"{prefix}/domain/<kind>", f"{prefix}-domain", _raise)
        boom.add_url_rule(f"{prefix}/http/<int:code>", f"{prefix}-http", lambda code: abort(code))
        boom.add_url_rule(f"{prefix}/crash", f"{prefix}-crash", _crash)
        boom.add_url_rule(f"{prefix}/post-only", f"{prefix}-post", lambda: "ok", methods=["POST"])
    fresh.register_blueprint(boom)
    yield fresh
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("kind", ERRORS)
def test_domain_error_as_html(boom_app, kind):
    _, status, codes, message = ERRORS[kind]
    response = boom_app.test_client().get(f"/boom/domain/{kind}")
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert message in response.text and codes[0] in response.text
    assert '<nav class="navbar' in response.text  # in the base layout


@pytest.mark.parametrize("kind", ERRORS)
@pytest.mark.parametrize("path, headers", [("/api/boom", {}), ("/boom", {"Accept": "application/json"})])
def test_domain_error_as_json(boom_app, kind, path, headers):
    _, status, codes, message = ERRORS[kind]
    response = boom_app.test_client().get(f"{path}/domain/{kind}", headers=headers)
    assert response.status_code == status
    body = response.get_json()
    assert body["codes"] == codes and message in body["message"]
    assert set(body) >= {"errors", "codes", "message"}


def test_field_errors_carry_messages(boom_app):
    body = boom_app.test_client().get("/api/boom/domain/policy").get_json()
    assert body["errors"] == {"amount": ["贷款金额超过单户5万元上限（amount_over_cap）"]}
    assert boom_app.test_client().get("/api/boom/domain/invalid").get_json()["errors"] == {"name": ["required"]}


def test_already_completed_says_by_whom_and_when(boom_app):
    body = boom_app.test_client().get("/api/boom/domain/done").get_json()
    assert body["completed_by"] == "approver_rcb"
    assert body["completed_at"] == COMPLETED_AT.isoformat()
    assert "approver_rcb" in boom_app.test_client().get("/boom/domain/done").text


@pytest.mark.parametrize("code", HTTP)
def test_http_errors(boom_app, code):
    client = boom_app.test_client()
    assert client.get(f"/api/boom/http/{code}").get_json()["codes"] == [HTTP[code]]
    page = client.get(f"/boom/http/{code}")
    assert page.status_code == code and page.mimetype == "text/html" and HTTP[code] in page.text


def test_method_not_allowed(boom_app):
    client = boom_app.test_client()
    assert client.get("/boom/post-only").status_code == 405
    assert client.get("/api/boom/post-only").get_json()["codes"] == ["method_not_allowed"]


def test_crash_rolls_back_and_hides_details(boom_app, monkeypatch):
    rollbacks = []
    original = db.session.rollback
    monkeypatch.setattr(db.session, "rollback", lambda: (rollbacks.append(1), original()))
    page = boom_app.test_client().get("/boom/crash")
    assert page.status_code == 500 and "系统出错" in page.text and "boom" not in page.text.split("<main")[1]
    assert boom_app.test_client().get("/api/boom/crash").get_json()["codes"] == ["server_error"]
    assert rollbacks


def test_error_payload_is_reusable(app):
    with app.test_request_context():
        body, status = error_payload(FourEyesError())
    assert status == 403 and body["codes"] == ["four_eyes"]

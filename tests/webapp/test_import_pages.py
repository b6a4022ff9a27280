"""The import pages: upload → preview with per-row errors → confirm; the error report; the other kinds."""
from __future__ import annotations

import io
import re

import pytest

from models import AuditEvent, Household, LprRate, db
from tests.conftest import count, table_count
from tests.factories import PASSWORD
from tests.factories_imports import csv_bytes, five_bad_rows, fixed_rows, xlsx_bytes
from workflows import accounts
from workflows.imports import households


@pytest.fixture(autouse=True)
def staging_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_STAGING_DIR", str(tmp_path))
    return tmp_path


def upload(client, data: bytes, filename: str, kind: str = "households"):
    return client.post(f"/imports/{kind}", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def hidden_token(page: str) -> str:
    return re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_bad_file_previews_its_errors_and_offers_the_report(login):
    client = login("bureau")
    answer = upload(client, xlsx_bytes(five_bad_rows()), "list.xlsx")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="rejected-rows"' in page and 'id="confirm-form"' not in page
    assert "unknown_township" in page and "duplicate_in_file" in page and "invalid_id_number" in page
    token = re.search(r"errors\.csv\?token=([A-Za-z0-9_-]+)", page).group(1)
    report = client.get(f"/imports/households/errors.csv?token={token}")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    lines = report.get_data().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("行,身份证号") or lines[0].startswith("Row,身份证号")
    assert len(lines) == 1 + 5 and lines[1].startswith("3,")
    xlsx = client.get(f"/imports/households/errors.xlsx?token={token}")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert table_count(Household) == 0


def test_a_good_file_is_imported_on_confirmation(login):
    client = login("bureau")
    page = upload(client, csv_bytes(fixed_rows(), encoding="gbk"), "名单.csv").get_data(as_text=True)
    assert 'id="confirm-form"' in page and table_count(Household) == 0
    answer = client.post("/imports/households/confirm", data={"token": hidden_token(page)})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/imports/households")
    assert table_count(Household) == 5 and count(AuditEvent, action="households_imported") == 1
    again = client.post("/imports/households/confirm", data={"token": hidden_token(page)})
    assert again.status_code == 404  # the staged file is gone once imported


def test_a_token_is_worth_nothing_to_another_user(login):
    accounts.create_user("bureau2", PASSWORD, ["rural_bureau"])
    db.session.commit()
    client = login("bureau")
    page = upload(client, csv_bytes(fixed_rows()), "x.csv").get_data(as_text=True)
    other = login("bureau2")
    assert other.post("/imports/households/confirm", data={"token": hidden_token(page)}).status_code == 404
    officer = login("officer_rcb")
    assert upload(officer, csv_bytes(fixed_rows()), "x.csv").status_code == 403


def test_uploads_refused_by_the_form(login):
    client = login("bureau")
    assert upload(client, b"MZ\x90", "virus.exe").status_code == 422
    assert client.post("/imports/households", data={}).status_code == 422
    header_only = upload(client, "身份证号,户主姓名\n".encode(), "x.csv").get_data(as_text=True)
    assert "missing_column" in header_only and "header-error" in header_only


def test_the_admin_imports_lpr_through_the_pages(login):
    client = login("admin")
    before = table_count(LprRate)
    rows = [["2099-01-20", "3.00", "3.50"]]
    page = upload(client, xlsx_bytes(rows, header=["生效日期", "一年期LPR", "五年期以上LPR"]), "lpr.xlsx", "lpr")
    answer = client.post("/imports/lpr/confirm", data={"token": hidden_token(page.get_data(as_text=True))})
    assert answer.status_code == 302 and table_count(LprRate) == before + 1


def test_a_refusal_at_confirmation_writes_nothing_and_shows_the_report(login, monkeypatch):
    client = login("bureau")
    page = upload(client, csv_bytes(fixed_rows()), "x.csv").get_data(as_text=True)
    monkeypatch.setattr(households, "CATEGORY_VALUES", {})  # the rules changed between preview and confirm
    answer = client.post("/imports/households/confirm", data={"token": hidden_token(page)})
    assert answer.status_code == 422 and "unknown_category" in answer.get_data(as_text=True)
    assert table_count(Household) == 0

"""``POST /api/v1/households/import``: dry run, all-or-nothing import, 422 with the report, roles."""
from __future__ import annotations

import hashlib
import io

import pytest

from models import Household
from tests.conftest import table_count
from tests.factories import make_household
from tests.factories_imports import csv_bytes, five_bad_rows, fixed_rows, xlsx_bytes


def send(api, data: bytes, filename: str, as_: str = "bureau", query: str = ""):
    return api.post("/households/import" + query, as_=as_, data={"file": (io.BytesIO(data), filename)},
                    content_type="multipart/form-data")


def test_a_dry_run_reports_and_writes_nothing(api):
    answer = send(api, xlsx_bytes(five_bad_rows()), "list.xlsx", query="?dry_run=1")
    assert answer.status_code == 200
    report = answer.get_json()["report"]
    assert report["ok"] is False and report["counts"]["rejected"] == 5
    assert [(r["row"], r["errors"][0]["code"]) for r in report["rows"]] == [
        (3, "invalid_id_number"), (4, "unknown_township"), (5, "duplicate_in_file"), (6, "unknown_category"),
        (7, "required")]
    assert table_count(Household) == 0


def test_a_bad_file_is_422_with_the_report_and_nothing_written(api):
    answer = send(api, csv_bytes(five_bad_rows(), encoding="gbk"), "list.csv")
    body = answer.get_json()
    assert answer.status_code == 422 and body["codes"] == ["import_refused"]
    assert body["report"]["rows"][1]["errors"][0]["field"] == "township"
    assert table_count(Household) == 0


def test_the_fixed_file_is_imported(api):
    existing = make_household("dade")
    rows = fixed_rows() + [[existing.id_number, "出列户", "dade", "", "脱贫户", "是", "因个人主观恶意调整出列"]]
    data = csv_bytes(rows, encoding="utf-8-sig")
    answer = send(api, data, "list.csv")
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["counts"] == {"rows": 6, "rejected": 0, "create": 5, "remove": 1}
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and table_count(Household) == 6


@pytest.mark.parametrize("data, filename", [(None, None), (b"x", "list.pdf")])
def test_a_missing_or_wrong_file_is_422(api, data, filename):
    answer = (api.post("/households/import", as_="bureau", data={}, content_type="multipart/form-data")
              if data is None else send(api, data, filename))
    assert answer.status_code == 422 and "file" in answer.get_json()["errors"]


@pytest.mark.parametrize("username, status", [("clerk_hanfeng", 403), ("officer_rcb", 403), ("admin", 403),
                                               (None, 401)])
def test_only_the_bureau(api, username, status):
    assert send(api, csv_bytes(fixed_rows()), "x.csv", as_=username).status_code == status
    assert table_count(Household) == 0


def test_the_endpoint_is_documented(api):
    document = api.get("/openapi.json").get_json()
    operation = document["paths"]["/households/import"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "201", "401", "403", "422"} <= set(operation["responses"])

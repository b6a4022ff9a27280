"""Files over the upload limits: the import page and the API answer 422 with the limit's message in Chinese,
keep nothing, and stay within bounded memory."""
from __future__ import annotations

import importlib.util
import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models import Household
from tests.conftest import table_count
from tests.factories_bombs import bomb, peak_mib, row_gap_xlsx
from tests.webapp.api.conftest import Api
from workflows.imports import limits, staging

pytestmark = [pytest.mark.timeout(60)] if importlib.util.find_spec("pytest_timeout") else []
MEMORY_MIB = 50
TOO_MANY_ROWS = ("身份证号,户主姓名,镇乡街道,类别,是否出列\n" + "\n" * limits.MAX_ROWS).encode()
CASES = [  # (file, name, code, a piece of the Chinese message)
    ("empty rows", "list.xlsx", "workbook_too_large", "解压后将超过 100 MB"),
    ("wide row", "list.xlsx", "suspicious_compression", "疑似压缩炸弹"),
    ("bad zip", "list.xlsx", "not_a_workbook", "不是Excel .xlsx工作簿"),
    ("billion laughs", "list.xlsx", "unsafe_xml", "DOCTYPE或实体声明"),
    ("too many rows", "list.csv", "too_many_rows", "文件超过 100,000 行（空行也计算在内）"),
    ("row gap", "list.xlsx", "too_many_rows", "文件超过 100,000 行（空行也计算在内）"),
]
IDS = [case[0] for case in CASES]


@pytest.fixture(autouse=True)
def staging_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_STAGING_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def api(client, login) -> Api:
    return Api(client, login)


def data_of(name: str) -> bytes:
    """The gate refuses ``bomb(name)``; the other two pass it and are refused while they are read."""
    if name == "too many rows":
        return TOO_MANY_ROWS
    return row_gap_xlsx() if name == "row gap" else bomb(name)


def upload(data: bytes, filename: str) -> dict:
    """The request's body and type, encoded in memory (the test client spools big bodies to files it leaves open)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=filename)})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def within_memory(call):
    """``call()``'s answer, asserting the request allocated less than ``MEMORY_MIB`` at its peak."""
    answers = []
    raised, peak = peak_mib(lambda: answers.append(call()))
    assert raised is None and peak < MEMORY_MIB, (raised, peak)
    return answers[0]


@pytest.mark.parametrize("name, filename, code, chinese", CASES, ids=IDS)
def test_the_page_answers_422_with_the_message_and_keeps_nothing(login, staging_dir, name, filename, code,
                                                                  chinese):
    client, data = login("bureau"), data_of(name)
    answer = within_memory(lambda: client.post("/imports/households", **upload(data, filename)))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and f"({code})" in page and chinese in page
    assert 'id="import-preview"' not in page and list(staging_dir.iterdir()) == []


@pytest.mark.parametrize("name, filename, code, chinese", CASES, ids=IDS)
@pytest.mark.parametrize("query", ["", "?dry_run=1"])
def test_the_api_answers_422_with_the_code_and_message(api, name, filename, code, chinese, query):
    data = data_of(name)
    answer = within_memory(lambda: api.post("/households/import" + query, as_="bureau", **upload(data, filename)))
    body = answer.get_json()
    assert answer.status_code == 422 and body["codes"] == [code] and chinese in body["message"]
    assert body["errors"]["file"] == [body["message"]] and "report" not in body and table_count(Household) == 0


def test_a_refusal_names_the_row_where_it_was_found(api):
    data = ("身份证号,户主姓名,镇乡街道,类别,是否出列\n1,甲\n" + "," * limits.MAX_COLUMNS + "\n").encode()
    body = api.post("/households/import", as_="bureau", **upload(data, "x.csv")).get_json()
    assert body["codes"] == ["too_many_columns"] and body["message"].endswith("第3行")


def test_a_staged_file_over_a_limit_is_refused_on_confirmation_and_dropped(login, world, staging_dir):
    client = login("bureau")
    staged = staging.stage(staging_dir, "households", world.users["bureau"].id, "list.csv", TOO_MANY_ROWS)
    answer = client.post("/imports/households/confirm", data={"token": staged.token})
    assert answer.status_code == 422 and "(too_many_rows)" in answer.get_data(as_text=True)
    assert list(staging_dir.iterdir()) == [] and table_count(Household) == 0


def test_only_the_bureau_learns_that_a_file_is_refused(login):
    officer = login("officer_rcb")
    answer = officer.post("/imports/households", **upload(bomb("ratio"), "list.xlsx"))
    assert answer.status_code == 403

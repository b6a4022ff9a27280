"""The loan import page says what the import did beyond the rows: statuses and post-loan processes started."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest

from tests.factories import make_household
from tests.factories_imports import install_lifecycle, loan_csv
from tests.factories_postloan import at
from workflows import clock


@pytest.fixture(autouse=True)
def staging_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_STAGING_DIR", str(tmp_path))


def test_the_confirmation_counts_overdue_loans_and_processes_started(login):
    install_lifecycle()
    household = make_household()
    row = {"id_number": household.id_number, "amount": "50000", "disbursed_on": "2024-06-01",
           "maturity_date": "2026-06-01", "annual_rate": "4.35", "extension_count": "0",
           "principal_outstanding": "30000", "contract_number": "KZ-OLD-9"}
    with clock.frozen(at(date(2026, 11, 30))):
        client = login("officer_rcb")
        page = client.post("/imports/loans", data={"file": (io.BytesIO(loan_csv(row)), "loans.csv")},
                           content_type="multipart/form-data").get_data(as_text=True)
        token = re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', page).group(1)
        answer = client.post("/imports/loans/confirm", data={"token": token}, follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "逾期: 1" in text and "已启动贷后流程: 1" in text

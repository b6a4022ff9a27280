"""Finance pages: the fund's ledger, settlements, and the page of a loan-less finance task."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Bank, HumanTask, PolicySetting, db
from models.risk_fund import RiskFundEntry
from models.subsidy import SubsidySettlement
from tests.factories import make_household
from tests.factories_finance import disbursed_loan, install_finance
from workflows import risk_fund, subsidy_settlement


@pytest.fixture
def fin(world):
    install_finance()
    return world


def test_the_finance_bureau_sees_the_ledger_and_records_a_deposit(login, fin):
    client = login("finance")
    page = client.get("/finance/fund")
    assert page.status_code == 200 and b'id="entry-form"' in page.data
    assert "风险补偿金".encode() in page.data and "台账".encode() in page.data  # Chinese by default
    answer = client.post("/finance/fund/entries", data={"kind": "deposit", "amount": "8000.00",
                                                        "occurred_on": "2024-01-02", "voucher_number": "V-9",
                                                        "comment": "首期"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/finance/fund")
    entry = db.session.scalars(sa.select(RiskFundEntry)).one()
    assert (entry.kind, entry.amount, entry.voucher_number) == ("deposit", Decimal("8000.00"), "V-9")
    page = client.get("/finance/fund")
    assert b"8,000.00" in page.data or b"8000.00" in page.data


@pytest.mark.parametrize("data, field", [
    ({"kind": "deposit", "amount": "-1", "occurred_on": "2024-01-02"}, b'id="amount-errors"'),
    ({"kind": "compensation", "amount": "1", "occurred_on": "2024-01-02"}, b'id="kind-errors"'),
    ({"kind": "deposit", "amount": "1", "occurred_on": ""}, b'id="occurred_on-errors"'),
])
def test_a_bad_entry_is_refused_beside_its_field(login, fin, data, field):
    answer = login("finance").post("/finance/fund/entries", data=data)
    assert answer.status_code == 422 and field in answer.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskFundEntry)) == 0


def test_the_supervisor_reads_the_fund_without_the_entry_form(login, fin):
    client = login("supervisor")
    page = client.get("/finance/fund")
    assert page.status_code == 200 and b'id="entry-form"' not in page.data and b'id="ratio-state"' in page.data
    assert client.post("/finance/fund/entries", data={"kind": "deposit"}).status_code == 403


def test_settlement_pages_and_the_top_up_task_page(login, fin):
    disbursed_loan(make_household(), "50000", date(2024, 1, 5))
    subsidy_settlement.ensure_scheduled(datetime(2024, 1, 15, tzinfo=timezone.utc))
    risk_fund.check_ratio(datetime(2024, 1, 15, tzinfo=timezone.utc))
    psbc = db.session.scalars(sa.select(Bank).where(Bank.code == "psbc")).one()
    other = db.session.scalars(sa.select(SubsidySettlement).where(SubsidySettlement.bank_id == psbc.id)).one()
    officer = login("officer_rcb")
    listing = officer.get("/finance/settlements")
    assert listing.status_code == 200 and b"2024 Q1" in listing.data
    assert officer.get(f"/finance/settlements/{other.id}").status_code == 404
    assert login("finance").get(f"/finance/settlements/{other.id}").status_code == 200
    task = db.session.scalars(sa.select(HumanTask).where(HumanTask.name == "record_topup")).one()
    finance = login("finance")
    page = finance.get(f"/tasks/{task.id}")
    assert page.status_code == 200 and b'id="topup-facts"' in page.data and b'id="task-form"' in page.data
    assert finance.post(f"/tasks/{task.id}", data={"amount": ""}).status_code == 422
    supervisor = login("supervisor")
    assert b'id="read-only-note"' in supervisor.get(f"/tasks/{task.id}").data
    assert supervisor.post(f"/tasks/{task.id}", data={}).status_code == 403
    assert officer.get(f"/tasks/{task.id}").status_code == 403
    done = finance.post(f"/tasks/{task.id}", data={
        "amount": "1000.00", "topped_up_on": "2024-01-20", "voucher_number": "CZ-1",
        "instance_version": page.data.split(b'name="instance_version" type="hidden" value="')[1].split(b'"')[0]})
    assert done.status_code == 302 and risk_fund.fund_balance() == Decimal("1000.00")
    again = finance.post(f"/tasks/{task.id}", data={"amount": "1"})
    assert again.status_code == 409 and b'id="task-done"' in again.data


def test_the_fund_page_says_so_when_the_ratio_setting_is_missing(login, world):
    db.session.execute(sa.delete(PolicySetting).where(PolicySetting.key == "risk_fund_ratio"))
    db.session.commit()
    page = login("finance").get("/finance/fund")
    assert page.status_code == 200 and b'id="ratio-missing"' in page.data

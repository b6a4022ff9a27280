"""The fund's ledger and a settlement's lines are paged (keyset): a page holds at most one page of
rows, "Next" leads through every row once, and a bad cursor is refused."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from models import Bank, db
from models.risk_fund import RiskFundEntry
from models.subsidy import SubsidyLine, SubsidySettlement
from tests.factories import make_household
from tests.factories_finance import disbursed_loan, install_finance
from workflows import risk_fund, subsidy_settlement

from .paging import next_link, rows, walk

D = Decimal
PAGE = 3


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(risk_fund, "LEDGER_PAGE", PAGE)
    monkeypatch.setattr(subsidy_settlement, "LINES_PAGE", PAGE)


@pytest.fixture
def ledger(world, small_pages):
    """Eight lines over five days (two share a day), compensation among them."""
    install_finance()
    fund = risk_fund.get_fund()
    day = date(2024, 1, 2)
    kinds = ["deposit", "interest", "topup", "compensation", "deposit", "interest", "compensation", "deposit"]
    for number, kind in enumerate(kinds):
        db.session.add(RiskFundEntry(fund_id=fund.id, kind=kind, amount=D(f"{100 * (number + 1)}.0{number}"),
                                     occurred_on=day + timedelta(days=number // 2 * 3 if number % 3 else number),
                                     voucher_number=f"V-{number}", created_at=risk_fund.clock.now()))
    db.session.commit()
    return fund


def test_the_ledger_page_holds_one_page_newest_first_and_next_reaches_every_line(login, ledger):
    client = login("finance")
    pages = walk(client, "/finance/fund", "ledger", "data-kind", PAGE)
    assert [len(page) for page in pages] == [3, 3, 2]
    every = [entry for page in pages for entry in page]
    newest_first = sorted(db.session.query(RiskFundEntry), key=lambda e: (e.occurred_on, e.id), reverse=True)
    assert every == [entry.kind for entry in newest_first]


def test_each_page_carries_the_balance_after_each_line(ledger):
    seen, cursor = [], None
    while True:
        page = risk_fund.ledger(cursor)
        seen += page.items
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    running, expected = D("0.00"), []
    for entry in sorted((e for e, _ in seen), key=lambda e: (e.occurred_on, e.id)):
        running += entry.signed
        expected.append((entry.id, running))
    assert [(entry.id, balance) for entry, balance in seen] == expected[::-1]
    assert seen[0][1] == risk_fund.fund_balance()


def test_a_bad_ledger_cursor_is_refused(login, ledger):
    assert login("finance").get("/finance/fund?cursor=not-a-cursor").status_code == 422
    assert login("finance").get(f"/finance/fund?cursor={risk_fund.ledger().next_cursor}").status_code == 200


@pytest.fixture
def settlement(world, small_pages):
    """A computed settlement of seven lines (seven loans of the bank)."""
    install_finance()
    bank = db.session.query(Bank).filter_by(code="cqrcb").one()
    item = SubsidySettlement(year=2024, quarter=1, bank_id=bank.id, status="computed", total=D("70.00"))
    db.session.add(item)
    db.session.flush()
    for number in range(7):
        loan = disbursed_loan(make_household(), "10000", date(2024, 1, 5))
        db.session.add(SubsidyLine(settlement_id=item.id, loan_id=loan.id, interest_paid=D("20.00"),
                                   subsidy_base=D("20.00"), share=D("0.5"), subsidy=D("10.00")))
    db.session.commit()
    return item


def test_the_settlement_page_holds_one_page_of_lines_and_next_reaches_every_line(login, settlement):
    client = login("finance")
    pages = walk(client, f"/finance/settlements/{settlement.id}", "subsidy-lines", "data-loan", PAGE)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [int(loan) for page in pages for loan in page] == sorted(line.loan_id for line in settlement.lines)


def test_a_later_page_of_lines_and_a_bad_cursor(login, settlement):
    page = subsidy_settlement.lines_page(settlement)
    assert len(page.items) == PAGE and page.next_cursor
    answer = login("finance").get(f"/finance/settlements/{settlement.id}?cursor=bad")
    assert answer.status_code == 422
    text = login("finance").get(f"/finance/settlements/{settlement.id}?cursor={page.next_cursor}").get_data(
        as_text=True)
    assert rows(text, "subsidy-lines", "data-loan") == [str(line.loan_id) for line in settlement.lines[3:6]]
    assert next_link(text)

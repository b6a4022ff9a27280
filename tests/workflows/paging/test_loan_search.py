"""Loan search at a province's size: a two-character name, the resident-ID tail, a contract number's
start, % and _ taken literally; keyset pages and the capped count."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import Loan, db
from tests.factories import make_household, register
from workflows import clock, keyset
from workflows import loan_queries as lq
from workflows.errors import FormInvalidError


def household(name: str, township: str = "hanfeng"):
    row = make_household(township)
    row.name = name
    db.session.commit()
    return row


@pytest.fixture
def book(world):
    loans = {key: register(world, household(name)) for key, name in
             (("wang", "王芳"), ("wangwei", "王芳华"), ("li", "李_强"), ("zhang", "张100%"))}
    loans["wang"].contract_number = "HT-2026-0001"
    loans["li"].contract_number = "ht-2025-0107"
    db.session.commit()
    return loans


def found(world, q: str, username: str = "supervisor") -> set[int]:
    return {loan.id for loan in lq.search_loans(world.users[username], lq.LoanFilters(q=q)).items}


def test_a_two_character_name_finds_itself_and_longer_names_that_start_with_it(world, book):
    assert found(world, "王芳") == {book["wang"].id, book["wangwei"].id}
    assert found(world, "王芳华") == {book["wangwei"].id}
    assert found(world, " 王 芳 ") == {book["wang"].id, book["wangwei"].id}  # spaces typed in between
    assert found(world, "芳") == set()  # by its start: a Chinese name is searched from the surname


def test_the_last_four_of_the_resident_id(world, book):
    tail = book["li"].applicant_id_number[-4:]
    assert book["li"].id in found(world, tail)
    assert all(loan_queries_tail(world, loan_id) == tail for loan_id in found(world, tail))
    assert found(world, book["li"].applicant_id_number[-6:-2]) - {b.id for b in book.values()
                                                                  if b.applicant_id_number.endswith(
                                                                      book["li"].applicant_id_number[-6:-2])} == set()


def loan_queries_tail(world, loan_id: int) -> str:
    return db.session.get(Loan, loan_id).household.id_number[-4:]


def test_a_contract_number_by_its_start_as_typed_or_in_capitals(world, book):
    assert found(world, "HT-2026") == {book["wang"].id}
    assert found(world, "ht-2026") == {book["wang"].id}  # typed in small letters: the capitals match
    assert found(world, "ht-2025-0107") == {book["li"].id}
    assert found(world, "2026-0001") == set()  # by its start only


def test_percent_and_underscore_are_taken_literally(world, book):
    assert found(world, "李_") == {book["li"].id}
    assert found(world, "李强") == set() and found(world, "王_") == set()
    assert found(world, "张100%") == {book["zhang"].id} and found(world, "张1%") == set()
    assert found(world, "%") == set() and found(world, "_") == set()


def test_search_keeps_to_the_scope(world, book):
    assert found(world, "王芳", "clerk_dade") == set()
    assert found(world, "王芳", "clerk_hanfeng") == {book["wang"].id, book["wangwei"].id}


@pytest.mark.parametrize("sort", ["-id", "id", "amount", "-amount", "maturity_date", "-maturity_date",
                                  "applied_on", "-applied_on", "status"])
def test_keyset_pages_hold_every_loan_once_in_order(world, book, sort):
    for number, loan in enumerate(book.values()):
        loan.maturity_date = None if number % 2 else clock.today() + timedelta(days=number % 3)
        loan.applied_on = clock.today() - timedelta(days=number % 2)
    db.session.commit()
    supervisor = world.users["supervisor"]
    whole = [loan.id for loan in lq.search_loans(supervisor, lq.LoanFilters(sort=sort, per_page=100)).items]
    seen, cursor = [], None
    while True:
        page = lq.search_loans(supervisor, lq.LoanFilters(sort=sort, per_page=1, cursor=cursor))
        seen += [loan.id for loan in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == whole and len(whole) == 4
    by_number = [loan.id for n in (1, 2, 3, 4)
                 for loan in lq.search_loans(supervisor, lq.LoanFilters(sort=sort, per_page=1, page=n)).items]
    assert by_number == whole


def test_a_cursor_of_another_order_is_a_field_error(world, book):
    supervisor = world.users["supervisor"]
    cursor = lq.search_loans(supervisor, lq.LoanFilters(per_page=1)).next_cursor
    with pytest.raises(FormInvalidError) as refused:
        lq.LoanFilters(sort="amount", cursor=cursor)
    assert "cursor" in refused.value.field_errors
    with pytest.raises(FormInvalidError):
        lq.LoanFilters.from_args({"cursor": "garbage!"})


def test_the_count_is_capped(world, book):
    query = lq.filtered_loans(world.users["supervisor"], lq.LoanFilters())
    assert keyset.capped_count(query) == (4, False)
    assert keyset.capped_count(query, cap=3) == (3, True)
    assert keyset.capped_count(query, cap=4) == (4, False)
    page = lq.search_loans(world.users["supervisor"], lq.LoanFilters())
    assert (page.total, page.total_capped, page.total_text) == (4, False, "4")

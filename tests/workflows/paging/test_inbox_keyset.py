"""Keyset paging of the inbox: every task exactly once across pages, in every order, while tasks come in."""
from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import HumanTask, db
from tests.factories import drive, make_household, ready_task, register
from workflows import keyset
from workflows.tasks import inbox

_spiff_ids = itertools.count()


@pytest.fixture
def task(world) -> HumanTask:
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, until="investigate_credit")
    return ready_task(loan.id, "investigate_credit")


def like(task: HumanTask, count: int, start: int = 0) -> list[int]:
    """``count`` rows like ``task``: due dates with ties and gaps, every fifth without a due date, every
    third without the loan (no amount), every fourth without a township."""
    rows = [HumanTask(process_instance_id=task.process_instance_id, loan_id=None if i % 3 == 0 else task.loan_id,
                      spiff_task_id=str(uuid.UUID(int=next(_spiff_ids))), name=task.name, title=task.title, form=task.form,
                      role=task.role, township_id=None if i % 4 == 0 else task.township_id, bank_id=task.bank_id,
                      created_at=task.created_at + timedelta(minutes=(i * 7) % 5),
                      due_at=None if i % 5 == 0 else task.due_at + timedelta(hours=(i * 3) % 4))
            for i in range(start, start + count)]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def walk(user, sort: str, limit: int, between=None, backward_from_end: bool = False) -> list[int]:
    """Task ids page by page from the first (``between(n)`` runs after page n)."""
    seen, cursor, number = [], None, 0
    while True:
        page = inbox.inbox_page(user, sort=sort, cursor=cursor, limit=limit, view="all")
        seen += [row.HumanTask.id for row in page.items]
        number += 1
        if between:
            between(number)
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


SORTS = ["due", "-due", "received", "-received", "township", "-township", "amount", "-amount"]


@pytest.mark.parametrize("sort", SORTS)
def test_every_task_once_in_the_order_of_the_whole_list(world, task, sort):
    like(task, 23)
    supervisor = world.users["supervisor"]
    whole = [row.HumanTask.id for row in
             db.session.execute(inbox.inbox_query(supervisor, view="all", sort=sort).order_by(None)
                                .order_by(*keyset.order_by(inbox.sort_key(sort))))]
    assert len(whole) == 24
    assert walk(supervisor, sort, 5) == whole


@pytest.mark.parametrize("sort", SORTS)
def test_tasks_added_while_paging_do_not_repeat_or_hide_the_others(world, task, sort):
    before = set(like(task, 17)) | {task.id}
    supervisor = world.users["supervisor"]
    added: list[int] = []
    seen = walk(supervisor, sort, 4, between=lambda n: added.extend(like(task, 3, start=100 + n * 3)) if n < 3 else None)
    assert len(seen) == len(set(seen))  # nothing twice
    assert before <= set(seen)  # nothing that was there from the start is skipped
    assert set(seen) <= before | set(added)


@pytest.mark.parametrize("sort", ["due", "-amount", "township"])
def test_previous_pages_go_back_the_same_way(world, task, sort):
    like(task, 14)
    supervisor = world.users["supervisor"]
    pages, cursor = [], None
    while True:
        page = inbox.inbox_page(supervisor, sort=sort, cursor=cursor, limit=4, view="all")
        pages.append([row.HumanTask.id for row in page.items])
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    back, cursor = [pages[-1]], page.previous_cursor
    while cursor:
        page = inbox.inbox_page(supervisor, sort=sort, cursor=cursor, limit=4, view="all")
        back.insert(0, [row.HumanTask.id for row in page.items])
        cursor = page.previous_cursor
    assert back == pages and len(pages) == 4


def test_paging_by_number_and_by_cursor_agree(world, task):
    like(task, 11)
    supervisor = world.users["supervisor"]
    first = inbox.inbox_page(supervisor, view="all", limit=5)
    second = inbox.inbox_page(supervisor, view="all", limit=5, offset=5)
    by_cursor = inbox.inbox_page(supervisor, view="all", limit=5, cursor=first.next_cursor)
    assert [r.HumanTask.id for r in second.items] == [r.HumanTask.id for r in by_cursor.items]
    assert second.previous_cursor and second.next_cursor


def test_a_cursor_of_another_order_or_garbage_is_refused(world, task):
    supervisor = world.users["supervisor"]
    like(task, 6)
    cursor = inbox.inbox_page(supervisor, view="all", limit=2, sort="due").next_cursor
    for bad in (cursor, "bm90IGpzb24", "!!", "W10", "x" * 600):
        with pytest.raises(ValueError):
            inbox.inbox_page(supervisor, view="all", limit=2, sort="-received" if bad == cursor else "due", cursor=bad)


def test_the_count_stops_at_a_thousand(world, task):
    officer = world.users["officer_rcb"]
    assert inbox.inbox_page(officer, limit=5).total == 1
    columns = {c: getattr(task, c) for c in ("process_instance_id", "loan_id", "name", "title", "form", "role",
                                             "township_id", "bank_id", "created_at", "due_at")}
    db.session.execute(sa.insert(HumanTask), [{**columns, "spiff_task_id": str(uuid.uuid4())} for _ in range(999)])
    db.session.commit()
    page = inbox.inbox_page(officer, limit=5)
    assert (page.total, page.total_capped, page.total_text) == (1000, False, "1,000")
    db.session.execute(sa.insert(HumanTask), [{**columns, "spiff_task_id": str(uuid.uuid4())}])
    db.session.commit()
    page = inbox.inbox_page(officer, limit=5)
    assert (page.total, page.total_capped, page.total_text) == (1000, True, "1,000+")
    counts = inbox.counts_by_task(officer, up_to=keyset.CAP + 1)
    assert counts == {"investigate_credit": 1001}  # the caller shows 1,000+
    assert inbox.task_names(officer) == ["investigate_credit"]

"""The SQL statements of the inbox page, pinned: however many tasks a role has, the page sends the
same statements (no query per row, per kind of task or per colleague). Counted over the whole
request, as the completion steps are (tests/webapp/api/test_completion_statements.py): the signed-in
user, the business date, the stand-ins (代理), the per-kind counts, the kinds menu, the townships
(district roles), the page's rows, and the hand-over colleagues (one query per role and place, with
their roles); a filtered page adds its capped count, a tab other than 待认领 the navigation badge's.
Lower a pin when a change removes a statement; raise it only with a reason in the commit.
"""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from models import HumanTask, db
from tests.factories import drive, make_household, ready_task, register
from tests.webapp.api.test_completion_statements import counted
from workflows.tasks import claims

# (user, query) → statements of GET /inbox<query>; see the module docstring
PINNED = {
    ("officer_rcb", ""): 8,  # the hand-over colleagues in one light query (ids and names)
    ("officer_rcb", "?sort=-received"): 8,
    ("officer_rcb", "?view=mine"): 10,  # 6 rows: the tasks with a due date, then those without (keyset runs)
    ("officer_rcb", "?sort=-received&task=investigate_credit"): 9,
    ("supervisor", "?sort=-received"): 8,
}


def add_loans(world, count: int) -> list[HumanTask]:
    """``count`` 汉丰街道 / 农商行 loans waiting for the pre-loan investigation, each its own household."""
    tasks = []
    for _ in range(count):
        loan = register(world, make_household("hanfeng"))
        drive(world, loan.id, until="investigate_credit")
        tasks.append(ready_task(loan.id, "investigate_credit"))
    return tasks


def add_copies(task: HumanTask, count: int) -> None:
    """``count`` more ready tasks of ``task``'s loan (rows only: the page reads rows, not workflow state)."""
    columns = {c: getattr(task, c) for c in ("process_instance_id", "loan_id", "name", "title", "form", "role",
                                             "township_id", "bank_id", "created_at", "due_at")}
    db.session.execute(sa.insert(HumanTask), [{**columns, "spiff_task_id": str(uuid.uuid4())} for _ in range(count)])
    db.session.commit()


def statements_of(login, user: str, query: str) -> list[str]:
    client = login(user)
    assert client.get("/inbox" + query).status_code == 200  # warm: the first request loads catalogues
    db.session.remove()  # a request starts with an empty session
    with counted() as statements:
        answer = client.get("/inbox" + query)
    assert answer.status_code == 200
    return [" ".join(s.split()) for s in statements]


@pytest.mark.parametrize(("user", "query"), list(PINNED))
def test_a_page_of_many_loans_sends_the_statements_of_a_page_of_one(login, world, user, query):
    first = add_loans(world, 1)[0]
    add_copies(first, 25)  # a full page, every row of one loan
    claims.claim(world.actor("officer_rcb"), first.id)  # "mine" and the give-back button
    few = statements_of(login, user, query)
    for task in add_loans(world, 5):  # newer: the first rows by "-received", each loan 5 rows, one claimed
        add_copies(task, 4)
        claims.claim(world.actor("officer_rcb"), task.id)
    page = login(user).get("/inbox" + query).get_data(as_text=True)
    assert page.count("data-task-id=") == (6 if "mine" in query else 25)
    if "received" in query:
        assert len(set(re.findall(r"<td>#(\d+)</td>", page))) == 5  # five loans, households and assignees
    many = statements_of(login, user, query)
    assert len(many) == len(few) == PINNED[user, query], "\n".join(s[:160] for s in many)


def test_no_statement_reads_a_loan_household_or_user_row_by_row(login, world):
    for task in add_loans(world, 3):
        add_copies(task, 3)
    statements = statements_of(login, "officer_rcb", "")
    selects = [s for s in statements if s.startswith(("SELECT", "WITH"))]
    assert len(selects) == len(set(selects)), selects  # nothing asked twice
    assert not any(s.startswith(("SELECT loans.", "SELECT households.")) for s in statements)
    assert sum("FROM delegations" in s for s in statements) == 1  # 代理 looked up once for the page
    assert sum("min(human_tasks.name)" in s for s in statements) == 1  # the kinds menu: one statement

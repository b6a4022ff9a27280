"""The inbox query: one indexed query, scoped by role, township and bank; supervisors read all;
every process's tasks, with or without a loan; search, order, due soon, the team view, the badge."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Bank, HumanTask, db
from models.subsidy import SubsidySettlement
from workflows import clock, risk_fund, subsidy_settlement, timers
from workflows.audit import Actor
from workflows.errors import ForbiddenError
from workflows.tasks import claims, inbox, service

from ..factories import drive, make_household, ready_task, register
from ..factories_finance import disbursed_loan, install_finance

TOPUP_START = datetime(2024, 5, 6, 2, 0, tzinfo=timezone.utc)


def names(world, username: str, **kwargs) -> list[tuple[int | str, str]]:
    """(loan id, or the process key of a task without a loan, task name) of each row, in order."""
    rows = db.session.execute(inbox.inbox_query(world.users[username], **kwargs)).all()
    return [(row.Loan.id if row.Loan else row.process_key, row.HumanTask.name) for row in rows]


def add_process_tasks(world) -> dict[str, HumanTask]:
    """Tasks without a loan: cqrcb's 2024 Q1 subsidy settlement waiting for the finance bureau's
    review, psbc's (approved and paid) for the bank's confirmation, and a top-up overdue 30 days:
    the finance bureau records it, the supervisor's 督办 reviews the delay."""
    install_finance()
    risk_fund.record_entry(Actor(world.users["finance"]), "deposit", Decimal("4000.00"), date(2024, 1, 2))
    subsidy_settlement.ensure_scheduled(datetime(2024, 1, 15, tzinfo=timezone.utc))
    timers.sweep(datetime(2024, 4, 1, 1, 0, 1, tzinfo=timezone.utc))
    psbc = db.session.scalars(sa.select(SubsidySettlement).join(Bank).where(
        Bank.code == "psbc", SubsidySettlement.year == 2024, SubsidySettlement.quarter == 1)).one()
    with clock.frozen(datetime(2024, 4, 20, 2, 0, tzinfo=timezone.utc)):
        for name, data in (("review_subsidy_settlement", {"decision": "approve", "comment": None}),
                           ("record_subsidy_payment", {"paid_on": date(2024, 4, 15), "voucher_number": "FZ-1"})):
            task = db.session.scalars(sa.select(HumanTask).filter_by(
                name=name, state="ready", process_instance_id=psbc.process_instance_id)).one()
            service.complete_task(world.actor("finance"), task.id, data)
    disbursed_loan(make_household(), "50000", date(2024, 1, 5))
    risk_fund.check_ratio(TOPUP_START)
    timers.sweep(TOPUP_START + timedelta(days=30, seconds=1))
    ready = db.session.scalars(sa.select(HumanTask).where(HumanTask.loan_id.is_(None), HumanTask.state == "ready"))
    return {task.name: task for task in ready}


@pytest.fixture
def loans(world):
    """A hanfeng loan at cqrcb waiting for investigation, a dade loan at psbc waiting for the bureau,
    and a township task (a post-loan visit) of the hanfeng loan."""
    hanfeng = register(world, make_household("hanfeng"))
    drive(world, hanfeng.id, until="investigate_credit")
    dade = register(world, make_household("dade"), clerk="clerk_dade", bank="psbc")
    task = ready_task(hanfeng.id, "investigate_credit")
    db.session.add(HumanTask(process_instance_id=task.process_instance_id, loan_id=hanfeng.id, spiff_task_id=str(uuid.uuid4()),
                             name="post_loan_visit", title="贷后走访", form="PostLoanVisitForm", role="township_clerk",
                             township_id=hanfeng.township_id, bank_id=hanfeng.bank_id, created_at=clock.now()))
    db.session.commit()
    return hanfeng, dade


def test_each_role_sees_its_scope_only(world, loans):
    hanfeng, dade = loans
    assert names(world, "officer_rcb") == [(hanfeng.id, "investigate_credit")]
    assert names(world, "officer2_rcb") == [(hanfeng.id, "investigate_credit")]
    assert names(world, "officer_psbc") == []
    assert names(world, "bureau") == [(dade.id, "confirm_eligibility")]
    assert names(world, "clerk_hanfeng") == [(hanfeng.id, "post_loan_visit")]
    for outsider in ("clerk_zhaojia", "clerk_dade", "approver_rcb", "approver_psbc", "finance", "admin"):
        assert names(world, outsider) == [], outsider


def test_supervisors_read_every_ready_task(world, loans):
    assert len(names(world, "supervisor", view="all")) == 3
    assert names(world, "supervisor") == []  # nothing of their own to do
    with pytest.raises(ForbiddenError):
        inbox.inbox_query(world.users["officer_rcb"], view="all")


def test_claimed_tasks_leave_colleagues_available_view(world, loans):
    hanfeng, _dade = loans
    claims.claim(world.actor("officer_rcb"), ready_task(hanfeng.id, "investigate_credit").id)
    assert names(world, "officer2_rcb") == [] and names(world, "officer2_rcb", view="mine") == []
    assert names(world, "officer_rcb", view="mine") == [(hanfeng.id, "investigate_credit")]
    assert names(world, "officer_rcb") == [(hanfeng.id, "investigate_credit")]
    row = db.session.execute(inbox.inbox_query(world.users["supervisor"], view="all",
                                               task_name="investigate_credit")).one()
    assert row.assignee_name == world.users["officer_rcb"].display_name


def test_filters_by_kind_township_and_overdue(world, loans):
    hanfeng, dade = loans
    supervisor = world.users["supervisor"]
    assert names(world, "supervisor", view="all", task_name="confirm_eligibility") == [(dade.id, "confirm_eligibility")]
    assert {n for n in names(world, "supervisor", view="all", township_id=hanfeng.township_id)} == {
        (hanfeng.id, "investigate_credit"), (hanfeng.id, "post_loan_visit")}
    assert names(world, "supervisor", view="all", overdue_only=True) == []
    with clock.frozen(datetime.now(timezone.utc) + timedelta(days=30)):
        assert len(names(world, "supervisor", view="all", overdue_only=True)) == 2  # the visit has no due date
    assert inbox.counts_by_task(supervisor, "all") == {
        "confirm_eligibility": 1, "investigate_credit": 1, "post_loan_visit": 1}
    assert inbox.counts_by_task(world.users["officer_psbc"]) == {}


def test_an_inactive_user_sees_nothing(world, loans):
    world.users["officer_rcb"].is_active = False
    assert names(world, "officer_rcb") == []


def test_the_next_task_is_the_oldest_due_first(world, loans):
    hanfeng, _dade = loans
    officer = world.users["officer_rcb"]
    first = inbox.next_task(officer)
    assert first.name == "investigate_credit" and inbox.next_task(officer, after_id=first.id) is None


def test_the_inbox_is_one_query(world, loans):
    user = world.users["supervisor"]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = db.session.execute(inbox.inbox_query(user, view="all")).all()
        _ = [(r.township_name, r.bank_name, r.Household.name, r.assignee_name) for r in rows]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "human_tasks" in statements[0]


def test_tasks_without_a_loan_reach_the_finance_bureau_the_bank_and_the_supervisor(world):
    tasks = add_process_tasks(world)
    assert set(tasks) == {"review_subsidy_settlement", "confirm_subsidy_passed_on", "record_topup",
                          "review_overdue_topup"}
    assert sorted(names(world, "finance")) == [("interest_subsidy_settlement", "review_subsidy_settlement"),
                                               ("risk_fund_topup", "record_topup")]
    assert names(world, "officer_psbc") == [("interest_subsidy_settlement", "confirm_subsidy_passed_on")]
    assert names(world, "supervisor") == [("risk_fund_topup", "review_overdue_topup")]
    assert len(names(world, "supervisor", view="all")) == 4
    for outsider in ("officer_rcb", "approver_psbc", "bureau", "clerk_hanfeng", "admin"):
        assert names(world, outsider) == [], outsider


def test_a_subsidy_task_names_its_bank_and_quarter(world):
    task = add_process_tasks(world)["review_subsidy_settlement"]
    row = db.session.execute(inbox.inbox_query(world.users["finance"], task_name=task.name)).one()
    assert (row.Loan, row.Household, row.township_name) == (None, None, None)
    assert (row.bank_name, row.subsidy_year, row.subsidy_quarter) == ("重庆农村商业银行开州支行", 2024, 1)
    topup = db.session.execute(inbox.inbox_query(world.users["finance"], task_name="record_topup")).one()
    assert (topup.process_key, topup.subsidy_year, topup.bank_name) == ("risk_fund_topup", None, None)


@pytest.fixture
def three(world):
    """Three loans waiting for the bureau: 向明 (hanfeng, 30,000, due last, received first), 冉光荣
    (dade, 10,000, due first), 谭德兵 (zhaojia, 50,000, contract KZ-2024-017)."""
    made = []
    for township, name, amount, due_in, age in (("hanfeng", "向明", "30000", 30, 3), ("dade", "冉光荣", "10000", 1, 2),
                                                 ("zhaojia", "谭德兵", "50000", 10, 1)):
        household = make_household(township)
        household.name = name
        loan = register(world, household, clerk=f"clerk_{township}", amount=Decimal(amount))
        task = ready_task(loan.id, "confirm_eligibility")
        task.due_at, task.created_at = clock.now() + timedelta(days=due_in), clock.now() - timedelta(days=age)
        made.append(loan)
    made[2].contract_number = "KZ-2024-017"
    db.session.commit()
    return made


def found(world, q: str) -> list[int]:
    return [loan_id for loan_id, _name in names(world, "bureau", q=q)]


def test_search_finds_a_household_by_the_start_of_its_name_as_the_loan_list_does(world, three):
    """The loan list's search (loan_queries.matching_loan_ids): a name from the surname."""
    assert found(world, "冉光") == [three[1].id] and found(world, "向明") == [three[0].id]
    assert found(world, "光") == [] and found(world, "%") == [] and found(world, "冉_") == []


def test_search_finds_a_loan_by_the_four_characters_of_the_id_the_mask_shows_or_all_eighteen(world, three):
    id_number = three[2].household.id_number
    assert found(world, id_number[-4:]) == found(world, id_number) == [three[2].id]


@pytest.mark.parametrize("digits", [5, 6])
def test_search_by_more_of_the_id_than_the_mask_shows_finds_nothing(world, three, digits):
    """尾号: a longer tail would let a search probe the digits the mask hides."""
    assert three[2].id not in found(world, three[2].household.id_number[-digits:])


def test_search_finds_a_loan_by_its_number_with_or_without_the_hash(world, three):
    assert found(world, f"#{three[1].id}") == found(world, f" {three[1].id} ") == [three[1].id]
    assert found(world, "#99999999999") == []  # beyond any loan id: no error


def test_search_finds_a_loan_by_the_start_of_its_contract_number(world, three):
    assert found(world, "KZ-2024-017") == found(world, "kz-2024-017") == found(world, "KZ-2024") == [three[2].id]
    assert found(world, "KZ") == []  # three characters at least


def test_tasks_without_a_loan_never_match_a_search(world):
    add_process_tasks(world)
    assert names(world, "supervisor", view="all", q="2024") == []
    assert names(world, "finance", q="") != []


@pytest.mark.parametrize(("sort", "order"), [
    ("due", [1, 2, 0]), ("-due", [0, 2, 1]), ("received", [0, 1, 2]), ("-received", [2, 1, 0]),
    ("township", [1, 0, 2]), ("-township", [2, 0, 1]), ("amount", [1, 0, 2]), ("-amount", [2, 0, 1]),
    ("nonsense", [1, 2, 0]), (None, [1, 2, 0])])
def test_each_sort_orders_the_rows_and_unknown_ones_fall_back_to_due(world, three, sort, order):
    assert found(world, "") == [three[i].id for i in (1, 2, 0)]  # due first by default
    assert [loan_id for loan_id, _ in names(world, "bureau", sort=sort)] == [three[i].id for i in order]


def test_ties_are_broken_by_id(world, three):
    for loan in three:
        ready_task(loan.id, "confirm_eligibility").due_at = datetime(2030, 1, 1, tzinfo=timezone.utc)
    db.session.commit()
    assert found(world, "") == sorted(loan.id for loan in three)
    assert [i for i, _ in names(world, "bureau", sort="-due")] == sorted((loan.id for loan in three), reverse=True)


def test_a_task_due_within_a_day_is_due_soon_not_overdue(world, three):
    task = ready_task(three[0].id, "confirm_eligibility")
    for hours, soon, overdue in ((2, True, False), (23.9, True, False), (25, False, False), (-1, False, True)):
        task.due_at = clock.now() + timedelta(hours=hours)
        assert (inbox.is_due_soon(task), inbox.is_overdue(task)) == (soon, overdue), hours
    task.due_at = None
    assert not inbox.is_due_soon(task)


def test_the_team_view_lists_colleagues_claimed_tasks_in_scope_only(world, loans):
    hanfeng, dade = loans
    task = ready_task(hanfeng.id, "investigate_credit")
    assert names(world, "officer2_rcb", view="team") == []  # nobody claimed it yet
    claims.claim(world.actor("officer_rcb"), task.id)
    assert names(world, "officer2_rcb", view="team") == [(hanfeng.id, "investigate_credit")]
    assert names(world, "officer_rcb", view="team") == []  # one's own claims are "mine"
    for overseer in ("supervisor", "admin"):  # they may hand any claimed task over
        assert names(world, overseer, view="team") == [(hanfeng.id, "investigate_credit")]
    for outsider in ("officer_psbc", "approver_rcb", "clerk_hanfeng", "bureau", "finance"):
        assert names(world, outsider, view="team") == [], outsider


def test_the_badge_counts_the_available_tasks_with_two_small_queries_or_none(world, loans):
    """Who the user stands in for today (one indexed look-up), then one COUNT that stops early; without
    a stand-in the COUNT leaves out the 代理 part, whose OR kept PostgreSQL from the role's index (over
    a second a page at a province's size)."""
    hanfeng, _dade = loans
    assert [inbox.count_available(world.users[u]) for u in ("officer_rcb", "officer2_rcb", "bureau", "supervisor")] \
        == [1, 1, 1, 0]
    claims.claim(world.actor("officer_rcb"), ready_task(hanfeng.id, "investigate_credit").id)
    assert (inbox.count_available(world.users["officer_rcb"]), inbox.count_available(world.users["officer2_rcb"])) \
        == (1, 0)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert inbox.count_available(world.users["officer_rcb"]) == 1 and len(statements) == 2
        assert "delegations" in statements[0] and "FROM delegations" not in statements[1]  # no 代理 part: none today
        world.users["officer2_rcb"].is_active = False
        assert inbox.count_available(world.users["officer2_rcb"]) == 0 and len(statements) == 2  # no scope, no query
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("view_size", [None, 3, 5000])  # a small view is sorted after an index lookup
@pytest.mark.parametrize("sort", ["due", "-due", "-received", "township", "-amount"])
def test_a_page_holds_the_same_rows_in_the_same_order_as_the_whole_list(world, three, sort, view_size):
    bureau = world.users["bureau"]
    whole = [row.HumanTask.id for row in db.session.execute(inbox.inbox_query(bureau, sort=sort))]
    page = db.session.execute(inbox.inbox_query(bureau, sort=sort, limit=2, offset=1, view_size=view_size)).all()
    assert [row.HumanTask.id for row in page] == whole[1:3]
    assert {row.Household.name for row in page} <= {"向明", "冉光荣", "谭德兵"}

"""The inbox page: sign-in, each role's rows, tabs, claim / give back / hand over, CSRF; tasks
without a loan, the badge, search, order, due soon, claim selected, the team view, phone cards."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from models import AuditEvent, HumanTask, Loan, db
from tests.conftest import count
from tests.factories import drive, make_household, ready_task, register
from tests.workflows.test_inbox import add_process_tasks
from webapp import create_app
from workflows import clock

ALL_USERS = ["admin", "clerk_hanfeng", "clerk_dade", "clerk_zhaojia", "bureau", "officer_rcb", "officer2_rcb",
             "approver_rcb", "approver2_rcb", "officer_psbc", "approver_psbc", "finance", "supervisor"]


@pytest.fixture
def task(world) -> HumanTask:
    """A 汉丰街道 / 农商行 loan waiting for the pre-loan investigation."""
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, until="investigate_credit")
    return ready_task(loan.id, "investigate_credit")


def row_ids(answer) -> list[str]:
    html = answer.get_data(as_text=True)
    return [part.split('"')[0] for part in html.split('data-task-id="')[1:]]


def test_anonymous_users_are_sent_to_sign_in(client):
    answer = client.get("/inbox")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.parametrize("username", ALL_USERS)
def test_every_role_opens_its_inbox(login, task, username):
    answer = login(username).get("/inbox")
    assert answer.status_code == 200
    sees = username in ("officer_rcb", "officer2_rcb", "supervisor")
    assert (row_ids(answer) == [str(task.id)]) is sees, username


def test_the_rows_show_the_loan_and_the_task_in_chinese(login, task):
    html = login("officer_rcb").get("/inbox").get_data(as_text=True)
    assert "贷前调查与评级" in html and "测试户" in html and "30,000.00" in html and "汉丰街道" in html
    assert f"/inbox/tasks/{task.id}/claim" in html and f'href="/tasks/{task.id}"' in html


def test_supervisors_read_all_tasks_without_buttons(login, task):
    answer = login("supervisor").get("/inbox")
    html = answer.get_data(as_text=True)
    assert row_ids(answer) == [str(task.id)] and "/claim" not in html and "/reassign" not in html
    assert login("officer_rcb").get("/inbox?view=all").status_code == 403


def test_claim_moves_the_task_to_mine_and_away_from_colleagues(login, world, task):
    client = login("officer_rcb")
    answer = client.post(f"/inbox/tasks/{task.id}/claim?view=available")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/inbox?view=available")
    assert row_ids(client.get("/inbox?view=mine")) == [str(task.id)]
    assert f"/inbox/tasks/{task.id}/unclaim" in client.get("/inbox").get_data(as_text=True)
    assert row_ids(login("officer2_rcb").get("/inbox")) == []
    assert world.users["officer_rcb"].display_name in login("supervisor").get("/inbox").get_data(as_text=True)


def test_a_lost_claim_is_a_message_not_an_error(login, task):
    login("officer_rcb").post(f"/inbox/tasks/{task.id}/claim")
    answer = login("officer2_rcb").post(f"/inbox/tasks/{task.id}/claim", follow_redirects=True)
    assert answer.status_code == 200 and "同事刚刚认领或转办了该任务" in answer.get_data(as_text=True)


def test_give_back_and_hand_over(login, world, task):
    client = login("officer_rcb")
    client.post(f"/inbox/tasks/{task.id}/claim")
    assert client.post(f"/inbox/tasks/{task.id}/unclaim").status_code == 302
    assert db.session.get(HumanTask, task.id).assignee_id is None
    assert 'value="officer2_rcb"' in client.get("/inbox").get_data(as_text=True)
    assert client.post(f"/inbox/tasks/{task.id}/reassign", data={"to_username": "officer2_rcb"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id == world.users["officer2_rcb"].id
    assert count(AuditEvent, action="task_reassigned") == 1


def test_hand_over_to_someone_outside_the_bank_is_refused(login, task):
    answer = login("officer_rcb").post(f"/inbox/tasks/{task.id}/reassign", data={"to_username": "officer_psbc"},
                                       follow_redirects=True)
    assert "该同事在此任务所属的镇乡街道或银行中没有相应角色" in answer.get_data(as_text=True)
    assert db.session.get(HumanTask, task.id).assignee_id is None


@pytest.mark.parametrize("outsider", ["officer_psbc", "approver_rcb", "clerk_zhaojia", "supervisor"])
def test_outsiders_cannot_claim(login, task, outsider):
    assert login(outsider).post(f"/inbox/tasks/{task.id}/claim").status_code == 403


def test_filters_and_counts(login, world, task):
    client = login("supervisor")
    html = client.get("/inbox").get_data(as_text=True)
    assert 'href="/inbox?view=all&amp;task=investigate_credit"' in html
    assert row_ids(client.get("/inbox?view=all&task=approve_loan")) == []
    assert row_ids(client.get("/inbox?view=all&overdue=y")) == []
    assert row_ids(client.get(f"/inbox?view=all&township={task.township_id}")) == [str(task.id)]


@pytest.mark.parametrize("several", [False, True])
def test_claiming_one_or_several_needs_the_csrf_token(database_url, world, task, several):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})  # CSRF on, as in production
    try:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(world.users["officer_rcb"].id)
        answer = (client.post("/inbox/claim", data={"task_ids": [task.id]}) if several
                  else client.post(f"/inbox/tasks/{task.id}/claim"))
        assert answer.status_code == 400
    finally:
        with app.app_context():
            db.engine.dispose()
    assert db.session.get(HumanTask, task.id).assignee_id is None


def card_ids(answer) -> list[str]:
    html = answer.get_data(as_text=True)
    return [part.split('"')[0] for part in html.split('data-card-task-id="')[1:]]


def more_tasks(task: HumanTask, n: int) -> list[int]:
    """``n`` more inbox rows like ``task`` (same instance and loan), due after it, for paging and the badge."""
    rows = [HumanTask(process_instance_id=task.process_instance_id, loan_id=task.loan_id, spiff_task_id=str(uuid.uuid4()),
                      name=task.name, title=task.title, form=task.form, role=task.role, township_id=task.township_id,
                      bank_id=task.bank_id, created_at=task.created_at, due_at=task.due_at + timedelta(hours=i + 1))
            for i in range(n)]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def test_tasks_without_a_loan_show_their_process_bank_and_quarter(login, world):
    tasks = add_process_tasks(world)
    html = login("finance").get("/inbox").get_data(as_text=True)
    assert "贴息结算 · 2024年第1季度" in html and "重庆农村商业银行开州支行" in html and "风险补偿金补充" in html
    assert f'href="/tasks/{tasks["review_subsidy_settlement"].id}"' in html and "审核贴息清单" in html
    assert row_ids(login("officer_psbc").get("/inbox")) == [str(tasks["confirm_subsidy_passed_on"].id)]
    answer = login("supervisor").get("/inbox?view=available")
    assert row_ids(answer) == [str(tasks["review_overdue_topup"].id)]
    assert f'/inbox/tasks/{tasks["review_overdue_topup"].id}/claim' in answer.get_data(as_text=True)
    assert len(row_ids(login("supervisor").get("/inbox"))) == 4


def test_the_navigation_badge_counts_available_tasks_and_caps_at_99(login, task):
    client = login("officer_rcb")
    assert 'id="inbox-badge">1<' in client.get("/loans").get_data(as_text=True)
    assert 'id="inbox-badge">1<' in client.get("/inbox?view=mine").get_data(as_text=True)
    assert "inbox-badge" not in login("approver_rcb").get("/loans").get_data(as_text=True)
    more_tasks(task, 99)
    assert 'id="inbox-badge">99+<' in login("officer2_rcb").get("/inbox").get_data(as_text=True)


def test_the_search_box_finds_a_loan_by_name_id_digits_number_or_contract(login, world, task):
    loan = db.session.get(Loan, task.loan_id)
    loan.contract_number = "KZ-2024-001"
    db.session.commit()
    client = login("officer_rcb")
    for q in ("测试", loan.household.id_number[-4:], loan.household.id_number, f"#{loan.id}", "KZ-2024-001", "KZ-2024"):
        assert row_ids(client.get("/inbox", query_string={"q": q})) == [str(task.id)], q
    assert row_ids(client.get("/inbox", query_string={"q": "王五"})) == []


@pytest.mark.parametrize(("sort", "first"), [("due", 0), ("-due", 1), ("received", 1), ("-received", 0),
                                              ("amount", 0), ("-amount", 1), ("township", 0), ("bogus", 0)])  # equal amounts: by id
def test_the_column_headers_sort_the_rows(login, task, sort, first):
    later = more_tasks(task, 1)[0]
    db.session.get(HumanTask, later).created_at = task.created_at - timedelta(days=1)  # received earlier
    db.session.commit()
    ids = row_ids(login("officer_rcb").get(f"/inbox?sort={sort}"))
    assert ids[0] == [str(task.id), str(later)][first] and len(ids) == 2


def test_headers_link_to_the_other_direction_and_mark_the_current_order(login, task):
    html = login("officer_rcb").get("/inbox?sort=amount&q=测试").get_data(as_text=True)
    assert 'aria-sort="ascending"' in html and "sort=-amount" in html and "bi-sort-up" in html
    assert 'href="/inbox?view=available&amp;q=%E6%B5%8B%E8%AF%95&amp;sort=-amount"' in html
    assert '<input type="hidden" name="sort" value="amount">' in html  # the filter form keeps the order


def test_rows_due_within_a_day_say_due_soon(login, task):
    task.due_at = clock.now() + timedelta(hours=3)
    db.session.commit()
    assert "即将到期" in login("officer_rcb").get("/inbox").get_data(as_text=True)
    task.due_at = clock.now() + timedelta(days=3)
    db.session.commit()
    html = login("officer_rcb").get("/inbox").get_data(as_text=True)
    assert "即将到期" not in html and "已逾期" not in html


def test_claim_selected_claims_each_and_says_why_one_was_refused(login, world, task):
    other = more_tasks(task, 1)[0]
    login("officer2_rcb").post(f"/inbox/tasks/{other}/claim")
    client = login("officer_rcb")
    html = client.get("/inbox").get_data(as_text=True)
    assert f'name="task_ids" value="{task.id}"' in html and 'id="claim-selected"' in html
    answer = client.post("/inbox/claim?view=available&sort=-due", data={"task_ids": [task.id, other]})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/inbox?view=available&sort=-due")
    html = client.get("/inbox").get_data(as_text=True)
    assert "已认领 1 项任务" in html and "此任务已由同事认领" in html
    assert f"未能认领：贷款 #{task.loan_id} 的贷前调查与评级。" in html
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id == world.users["officer_rcb"].id
    assert db.session.get(HumanTask, other).assignee_id == world.users["officer2_rcb"].id


def test_claim_selected_without_a_tick_or_with_a_foreign_task_claims_nothing(login, task):
    client = login("officer_psbc")
    assert "请先勾选要认领的任务" in client.post("/inbox/claim", follow_redirects=True).get_data(as_text=True)
    html = client.post("/inbox/claim", data={"task_ids": [task.id]}, follow_redirects=True).get_data(as_text=True)
    assert f"未能认领：任务 {task.id}。您无权进行此操作（forbidden）" in html  # not named: not theirs to read
    assert db.session.get(HumanTask, task.id).assignee_id is None


def test_the_team_view_shows_colleagues_claims_read_only_and_lets_supervisors_hand_over(login, world, task):
    login("officer_rcb").post(f"/inbox/tasks/{task.id}/claim")
    answer = login("officer2_rcb").get("/inbox?view=team")
    html = answer.get_data(as_text=True)
    assert row_ids(answer) == [str(task.id)] and "/claim" not in html and "/reassign" not in html
    assert row_ids(login("officer_rcb").get("/inbox?view=team")) == []
    for outsider in ("officer_psbc", "clerk_hanfeng", "approver_rcb"):
        assert row_ids(login(outsider).get("/inbox?view=team")) == [], outsider
    html = login("supervisor").get("/inbox?view=team").get_data(as_text=True)
    assert f"/inbox/tasks/{task.id}/reassign" in html and 'value="officer2_rcb"' in html
    assert 'value="officer_rcb"' not in html  # not to the colleague who holds it


def test_phones_get_one_card_per_task_instead_of_the_table(login, task):
    answer = login("officer_rcb").get("/inbox")
    html = answer.get_data(as_text=True)
    assert card_ids(answer) == row_ids(answer) == [str(task.id)]
    assert 'class="table-responsive d-none d-sm-block"' in html and 'class="d-sm-none" id="inbox-cards"' in html
    assert html.count(f'name="task_ids" value="{task.id}"') == 2 and 'id="card-pick-' in html
    assert 'id="inbox-card-sort"' in html and '<script src="/static/js/inbox.js">' in html  # phones sort too


def test_filters_keep_each_other_and_pages_hold_25_rows(login, task):
    more_tasks(task, 29)
    client = login("officer_rcb")
    answer = client.get("/inbox?view=available&task=investigate_credit&q=测试&sort=due")
    html = answer.get_data(as_text=True)
    assert len(row_ids(answer)) == 25
    # pages by keyset: the next page's link carries the filters and an opaque cursor, not a page number
    following = re.search(r'rel="next" href="(/inbox\?view=available&amp;task=investigate_credit&amp;'
                          r'q=%E6%B5%8B%E8%AF%95&amp;cursor=[A-Za-z0-9_-]+)"', html)
    assert following and 'rel="prev"' not in html and 'id="inbox-total">共 30 项任务<' in html
    assert 'href="/inbox?view=mine&amp;q=%E6%B5%8B%E8%AF%95"' in html  # a tab keeps the search, not the kind
    second = client.get(following.group(1).replace("&amp;", "&"))
    assert len(row_ids(second)) == 5 and 'rel="prev"' in second.get_data(as_text=True)
    assert not set(row_ids(second)) & set(row_ids(answer))
    assert 'rel="next"' not in second.get_data(as_text=True)
    claim_url = f'/inbox/tasks/{row_ids(second)[0]}/claim?view=available&amp;task=investigate_credit'
    assert claim_url in second.get_data(as_text=True)

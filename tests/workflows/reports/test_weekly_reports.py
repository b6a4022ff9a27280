"""Weekly scheduling (周调度): the week's applications per township and bank, and the tasks per step."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import db
from tests.factories import make_household, ready_task, register
from tests.factories_reports import build_portfolio
from workflows import clock, reports
from workflows.reports import ReportFilters

WEEK = ReportFilters(date(2026, 3, 1), date(2026, 3, 7))


def test_applications_approved_disbursed_rejected_in_the_week(world):
    build_portfolio()
    result = reports.run(world.users["supervisor"], "weekly_schedule", WEEK)
    by_place = {(row[0], row[1]): row[2:] for row in result.rows}
    assert len(result.rows) == 6  # three townships × two banks
    assert by_place["汉丰街道", "重庆农村商业银行开州支行"] == [1, 0, 0, 0]  # L5 registered
    assert by_place["汉丰街道", "中国邮政储蓄银行开州区支行"] == [1, 0, 0, 1]  # L7 registered and rejected
    assert result.totals == ["total", None, 2, 0, 0, 1]
    january = ReportFilters(date(2026, 1, 5), date(2026, 1, 11))
    rows = reports.run(world.users["clerk_hanfeng"], "weekly_schedule", january).rows
    assert [row[2:] for row in rows] == [[1, 1, 1, 0], [0, 0, 0, 0]]  # L1: applied, approved, disbursed


@pytest.fixture
def waiting(world):
    first = register(world, make_household("hanfeng"))
    register(world, make_household("dade"), clerk="clerk_dade")
    task = ready_task(first.id, "confirm_eligibility")
    task.due_at = clock.now() - timedelta(days=1)
    db.session.commit()
    return first


def test_tasks_waiting_and_overdue_per_step(world, waiting):
    today = clock.today()
    week = ReportFilters(today - timedelta(days=6), today)
    result = reports.run(world.users["supervisor"], "weekly_tasks", week)
    assert result.rows == [["confirm_eligibility", 2, 1]]
    assert reports.run(world.users["clerk_dade"], "weekly_tasks", week).rows == [["confirm_eligibility", 1, 0]]
    assert reports.run(world.users["officer_rcb"], "weekly_tasks", week).rows == [["confirm_eligibility", 2, 1]]
    assert reports.run(world.users["officer_psbc"], "weekly_tasks", week).rows == []
    only = ReportFilters(week.date_from, week.date_to, township="dade")
    assert reports.run(world.users["supervisor"], "weekly_tasks", only).rows == [["confirm_eligibility", 1, 0]]


def test_bank_staff_see_their_bank_only(world):
    build_portfolio()
    rows = reports.run(world.users["approver_psbc"], "weekly_schedule", WEEK).rows
    assert {row[1] for row in rows} == {"中国邮政储蓄银行开州区支行"}
    assert sum(row[2] for row in rows) == 1  # L7; L5 is cqrcb's

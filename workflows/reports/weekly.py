"""Weekly scheduling (周调度): the week's applications per township and bank, and the steps' backlog.

The period is the filter's (the pages default to the seven days up to today):

* **Registered**: loans applied for in the period (``applied_on``); **approved**: ``approved_on``;
  **disbursed**: ``disbursed_on``; **rejected**: loans now ``rejected`` whose last change
  (``updated_at``, Asia/Shanghai) falls in the period (by the policy check or the approver).
* **Tasks** per step: ready inbox rows in the user's scope (township clerks their township's,
  bank staff their bank's), waiting now, and overdue (``due_at`` passed) now.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import IS_READY, Bank, HumanTask, Loan, Township, User, db

from .. import clock
from ..permissions import BANK_ROLES, TOWNSHIP_ROLES
from .base import DISTRICT_ROLES, Column, ReportFilters, ReportResult, banks, require_reader, scoped_loans, \
    total_row, townships

SCHEDULE_COLUMNS = [Column("name", "text"), Column("bank", "text"), Column("registered"), Column("approved"),
                    Column("disbursed"), Column("rejected")]
TASK_COLUMNS = [Column("step", "text"), Column("tasks_waiting"), Column("tasks_overdue")]


def _in_period(column, filters: ReportFilters):
    return column.between(filters.date_from, filters.date_to)


def weekly_schedule(user: User, filters: ReportFilters) -> ReportResult:
    """Per township and bank, counted in SQL over the scoped loans that did something in the period."""
    require_reader(user)
    registered, approved, disbursed = (_in_period(column, filters)
                                       for column in (Loan.applied_on, Loan.approved_on, Loan.disbursed_on))
    rejected = sa.and_(Loan.status == "rejected", Loan.updated_at >= filters.start_instant,
                       Loan.updated_at < filters.end_instant)
    conditions = (registered, approved, disbursed, rejected)
    query = (sa.select(Loan.township_id, Loan.bank_id,
                       *(sa.func.sum(sa.case((condition, 1), else_=0)) for condition in conditions))
             .where(scoped_loans(user, filters, Loan), sa.or_(*conditions))
             .group_by(Loan.township_id, Loan.bank_id))
    counts = {(township_id, bank_id): [int(value or 0) for value in values]
              for township_id, bank_id, *values in db.session.execute(query)}
    keys = ("registered", "approved", "disbursed", "rejected")
    lenders = banks(user, filters)
    rows = [[t.name, b.name, *counts.get((t.id, b.id), [0] * len(keys))]
            for t in townships(user, filters) for b in lenders]
    chart = {"labels": [f"{row[0]} {row[1]}" for row in rows],
             "series": {key: [row[i] for row in rows] for i, key in enumerate(keys, start=2)}}
    return ReportResult(list(SCHEDULE_COLUMNS), rows, total_row(rows, SCHEDULE_COLUMNS), chart)


def task_scope(user: User, filters: ReportFilters) -> sa.ColumnElement[bool]:
    """Ready inbox rows in the user's township or bank scope, narrowed by the filters."""
    clauses = [IS_READY]
    if not user.roles & DISTRICT_ROLES:
        held = []
        if user.roles & TOWNSHIP_ROLES and user.township_id is not None:
            held.append(HumanTask.township_id == user.township_id)
        if user.roles & BANK_ROLES and user.bank_id is not None:
            held.append(HumanTask.bank_id == user.bank_id)
        clauses.append(sa.or_(*held) if held else sa.false())
    if filters.township:
        clauses.append(HumanTask.township_id.in_(sa.select(Township.id).where(Township.code == filters.township)))
    if filters.bank:
        clauses.append(HumanTask.bank_id.in_(sa.select(Bank.id).where(Bank.code == filters.bank)))
    return sa.and_(*clauses)


def weekly_tasks(user: User, filters: ReportFilters) -> ReportResult:
    require_reader(user)
    now = clock.now()
    overdue = sa.func.sum(sa.case((sa.and_(HumanTask.due_at.is_not(None), HumanTask.due_at < now), 1), else_=0))
    query = (sa.select(HumanTask.name, sa.func.count(), overdue).where(task_scope(user, filters))
             .group_by(HumanTask.name).order_by(HumanTask.name))
    rows = [[name, int(waiting), int(late or 0)] for name, waiting, late in db.session.execute(query)]
    chart = {"labels": [row[0] for row in rows],
             "series": {"tasks_waiting": [row[1] for row in rows], "tasks_overdue": [row[2] for row in rows]}}
    return ReportResult(list(TASK_COLUMNS), rows, total_row(rows, TASK_COLUMNS), chart)

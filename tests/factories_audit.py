"""A fixed portfolio for the audit review: four loans at known local times, and rows that break a rule.

Times are Asia/Shanghai. ``min_review_minutes`` is 30 from 2021-01-01.

- loan A (hanfeng, cqrcb), 2026-03-02: investigated 09:00, approved 10:00; later
  (inserted) officer_rcb requests and approves its extension (four eyes), clerk_zhaojia visits it
  (outside scope, township) and officer_psbc claims a task on it (outside scope, bank).
- loan B (zhaojia, psbc), 2026-03-03: investigated 23:40, approved 23:59:59 (too fast; the last
  second of the day).
- loan C (dade, cqrcb), registered 2026-03-04 00:00:00; user ``dual`` (officer and approver of
  cqrcb) investigates 09:00 and approves 10:00 (inserted: four eyes).
- loan D (hanfeng, cqrcb), 2026-03-05: investigated 09:00; approved at 9.99 % 10:30 (inserted: rate over cap).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from models import AuditEvent, HumanTask, Loan, db
from workflows import accounts, audit, clock
from workflows.audit import Actor
from workflows.tasks import service

from .factories import APPROVAL, INVESTIGATION, PASSWORD, World, make_household, register

ELIGIBLE = {"eligible": True, "eligibility_note": "核实在册"}


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=clock.BUSINESS_TZ)


def step(world: World, loan: Loan, name: str, username: str, data: dict, when: datetime) -> None:
    task = db.session.scalars(sa.select(HumanTask).filter_by(loan_id=loan.id, name=name, state="ready")).one()
    with clock.frozen(when):
        service.complete_task(world.actor(username), task.id, data)


def insert(world: World, loan: Loan, action: str, username: str, role: str, when: datetime, **fields) -> AuditEvent:
    """An audit row written directly: data from before a rule, or a role changed since (see module doc)."""
    with clock.frozen(when):
        event = audit.record(action, Actor(world.users[username], role, "10.0.0.9"), loan=loan, **fields)
    db.session.commit()
    return event


def approval_after(rate: str) -> dict:
    form = {**APPROVAL, "annual_rate": Decimal(rate)}
    return {"form": form, "loan": {"status": "approved", "annual_rate": rate, "approved_amount": "30000.00"}}


@dataclass
class Portfolio:
    loans: dict[str, Loan] = field(default_factory=dict)
    flagged: dict[str, list[int]] = field(default_factory=dict)


def build(world: World) -> Portfolio:
    world.users["dual"] = accounts.create_user("dual", PASSWORD, ["bank_officer", "bank_approver"], bank="cqrcb")
    db.session.commit()
    p = Portfolio()
    p.loans["A"] = _loan(world, "hanfeng", "clerk_hanfeng", "cqrcb", 2, [("officer_rcb", 9, 0), ("approver_rcb", 10, 0)])
    p.loans["B"] = _loan(world, "zhaojia", "clerk_zhaojia", "psbc", 3,
                         [("officer_psbc", 23, 40), ("approver_psbc", 23, 59, 59)])
    p.loans["C"] = _loan(world, "dade", "clerk_dade", "cqrcb", 4, [], registered=at(4, 0))
    p.loans["D"] = _loan(world, "hanfeng", "clerk_hanfeng", "cqrcb", 5, [("officer_rcb", 9, 0)])
    _violations(world, p)
    return p


def _loan(world, township, clerk, bank, day, steps, registered=None) -> Loan:
    with clock.frozen(registered or at(day, 8)):
        loan = register(world, make_household(township), clerk=clerk, bank=bank)
    step(world, loan, "confirm_eligibility", "bureau", ELIGIBLE, registered or at(day, 8, 30))
    for (username, *time), name, data in zip(steps, ("investigate_credit", "approve_loan"),
                                                    (INVESTIGATION, APPROVAL)):
        step(world, loan, name, username, data, at(day, *time))
    return db.session.get(Loan, loan.id)


def _violations(world: World, p: Portfolio) -> None:
    a, c, d = p.loans["A"], p.loans["C"], p.loans["D"]
    insert(world, a, "task_completed", "officer_rcb", "bank_officer", at(6, 9), task_name="request_extension",
           after={"form": {"extension_months": 6}})
    ext = insert(world, a, "task_completed", "officer_rcb", "bank_approver", at(6, 11), task_name="approve_extension",
                 after={"form": {"decision": "approve"}})
    visit = insert(world, a, "task_completed", "clerk_zhaojia", "township_clerk", at(6, 12), task_name="post_loan_visit")
    claim = insert(world, a, "task_claimed", "officer_psbc", "bank_officer", at(6, 13), task_name="post_loan_visit")
    insert(world, c, "task_completed", "dual", "bank_officer", at(4, 9), task_name="investigate_credit",
           after={"form": INVESTIGATION})
    dual = insert(world, c, "task_completed", "dual", "bank_approver", at(4, 10), task_name="approve_loan",
                  after=approval_after("3.00"))
    rate = insert(world, d, "task_completed", "approver2_rcb", "bank_approver", at(5, 10, 30), task_name="approve_loan",
                  after=approval_after("9.99"))
    fast = db.session.scalars(sa.select(AuditEvent.id).filter_by(loan_id=p.loans["B"].id, task_name="approve_loan")).one()
    p.flagged = {"four_eyes": [dual.id, ext.id], "outside_scope": [visit.id, claim.id], "too_fast": [fast],
                 "rate_over_cap": [rate.id]}

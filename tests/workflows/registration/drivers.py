"""Drivers of the registration tests: a loan at a step, the open inbox rows, the audit events of an action."""
from __future__ import annotations

import sqlalchemy as sa

from models import AuditEvent, HumanTask, ProcessInstance, db
from tests.factories import drive, make_household, register

DECLINE = {"investigation_decision": "decline", "decline_reason": "经营项目无实际场地，不予受理"}
PRE_DISBURSEMENT = ("confirm_eligibility", "investigate_credit", "approve_loan", "disburse_loan")


def loan_at(world, step: str, **household):
    """A fresh household's loan, driven up to (not through) ``step``."""
    loan = register(world, make_household(**household))
    return drive(world, loan.id, step)


def open_rows(loan_id: int) -> list[HumanTask]:
    return list(db.session.scalars(sa.select(HumanTask).where(HumanTask.loan_id == loan_id,
                                                               HumanTask.state == "ready")))


def instance_of(loan_id: int) -> ProcessInstance:
    return db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.loan_id == loan_id)
                              .order_by(ProcessInstance.id.desc())).first()


def events(action: str, loan_id: int | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if loan_id is not None:
        query = query.where(AuditEvent.loan_id == loan_id)
    return list(db.session.scalars(query))


def named_household(name: str, township: str = "hanfeng", **columns):
    """A listed household with its own name (``make_household`` names every one 测试户)."""
    household = make_household(township=township, **columns)
    household.name = name
    db.session.commit()
    return household

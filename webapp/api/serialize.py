"""Rows as JSON: money and rates as decimal strings, instants in ISO 8601 with the district's offset."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from models import AuditEvent, Household, HumanTask, Loan, ProcessInstance, User, db
from workflows import clock, households, resident_id


CENT, RATE_STEP = Decimal("0.01"), Decimal("0.0001")


def decimal(value: Decimal | None, step: Decimal = CENT) -> str | None:
    """``"30000.00"``: money with two decimals (rates: ``step=RATE_STEP``, ``"3.0000"``)."""
    return None if value is None else str(Decimal(value).quantize(step))


def instant(value: datetime | None) -> str | None:
    return None if value is None else clock.local(value).isoformat()


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def user_json(user: User) -> dict:
    return {
        "id": user.id, "username": user.username, "display_name": user.display_name,
        "roles": sorted(user.roles), "township": user.township.code if user.township else None,
        "bank": user.bank.code if user.bank else None,
    }


def household_json(household: Household, viewer: User, loan: Loan | None = None) -> dict:
    number = household.id_number
    shown = number if households.may_see_id_number(viewer, household, loan) else resident_id.mask(number)
    return {
        "id": household.id, "name": household.name, "id_number": shown,
        "township": household.township.code, "village": household.village.code if household.village else None,
        "category": household.category, "removed": household.removed, "dishonest": household.dishonest,
    }


def loan_summary(loan: Loan) -> dict:
    return {
        "id": loan.id, "status": loan.status, "kind": loan.kind, "household_id": loan.household_id,
        "household_name": loan.household.name, "township": loan.township.code, "bank": loan.bank.code,
        "amount": decimal(loan.amount), "term_months": loan.term_months, "grade": loan.grade,
        "applied_on": day(loan.applied_on), "created_at": instant(loan.created_at),
    }


def loan_detail(loan: Loan, viewer: User, process: dict | None, tasks: list[HumanTask]) -> dict:
    return {
        **loan_summary(loan),
        "purpose_category": loan.purpose_category, "purpose": loan.purpose,
        "rejection_codes": loan.rejection_codes or [],
        "recommended_amount": decimal(loan.recommended_amount),
        "recommended_term_months": loan.recommended_term_months,
        "credit_line": decimal(loan.credit_line), "approved_amount": decimal(loan.approved_amount),
        "approved_term_months": loan.approved_term_months, "annual_rate": decimal(loan.annual_rate, RATE_STEP),
        "rate_cap": decimal(loan.rate_cap, RATE_STEP), "approved_on": day(loan.approved_on),
        "contract_number": loan.contract_number, "disbursed_on": day(loan.disbursed_on),
        "maturity_date": day(loan.maturity_date), "principal_outstanding": decimal(loan.principal_outstanding),
        "subsidised_principal": decimal(loan.subsidised_principal),
        "covered_principal": decimal(loan.covered_principal), "extension_count": loan.extension_count,
        "days_past_due": loan.days_past_due, "risk_class": loan.risk_class,
        "household": household_json(loan.household, viewer, loan),
        "process": process, "open_tasks": [task_json(t) for t in tasks],
    }


def process_json(loan_id: int) -> dict | None:
    """``{key, version}`` of the process the loan runs on (its newest instance)."""
    row = db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.loan_id == loan_id)
                             .order_by(ProcessInstance.id.desc()).limit(1)).first()
    return {"key": row.process_version.process_key, "version": row.process_version.version} if row else None


def task_json(task: HumanTask) -> dict:
    return {
        "id": task.id, "loan_id": task.loan_id, "process_instance_id": task.process_instance_id, "name": task.name,
        "title": task.title, "role": task.role, "state": str(task.state),
        "assignee": task.assignee.username if task.assignee else None, "claimed_at": instant(task.claimed_at),
        "created_at": instant(task.created_at), "due_at": instant(task.due_at),
    }


def event_json(event: AuditEvent, reveal_id_number: bool) -> dict:
    shown = (lambda value: value) if reveal_id_number else _masked
    return {
        "id": event.id, "occurred_at": instant(event.occurred_at), "action": event.action,
        "actor": event.actor_name, "actor_role": event.actor_role, "task_name": event.task_name,
        "before": shown(event.before), "after": shown(event.after), "comment": event.comment,
        "codes": event.codes or [],
    }


def _masked(value):
    """Event data with every ``id_number`` masked, for readers outside the household's scope."""
    if isinstance(value, dict):
        return {k: resident_id.mask(v) if k.endswith("id_number") and isinstance(v, str) else _masked(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value

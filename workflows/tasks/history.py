"""Loops show their history (退回重办): when a task comes round again, what its last round was.

The values of its last completion pre-fill its form, and the remark of the task that sent it back
(e.g. the approver's reason for 退回补充调查) is shown above it. Both come from the audit trail's
``task_completed`` events of the same loan or instance, so any loop-back of any process works.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from models import IS_WITHOUT_LOAN, AuditEvent, HumanTask, db


@dataclass(frozen=True)
class SentBack:
    """The completion that sent the task round again."""

    task_name: str | None
    actor_name: str | None
    occurred_at: datetime
    comment: str | None


@dataclass(frozen=True)
class LoopHistory:
    """The last completion's form values, and what sent the task back."""

    previous_values: dict
    sent_back: SentBack | None


def _completions(row: HumanTask) -> sa.Select:
    subject = (AuditEvent.loan_id == row.loan_id if row.loan_id is not None  # ix_audit_events_loan_time
               else sa.and_(IS_WITHOUT_LOAN, AuditEvent.process_instance_id == row.process_instance_id))
    return sa.select(AuditEvent).where(subject, AuditEvent.action.in_(("task_completed", "loan_registered")))


def history_of(row: HumanTask) -> LoopHistory | None:
    """The task's last round, or None the first time round."""
    last = db.session.scalars(_completions(row).where(AuditEvent.task_name == row.name)
                              .order_by(AuditEvent.id.desc()).limit(1)).first()
    if last is None:
        return None
    sender = db.session.scalars(_completions(row).where(AuditEvent.id > last.id, AuditEvent.task_name != row.name)
                                .order_by(AuditEvent.id.desc()).limit(1)).first()
    values = dict(((last.after or {}).get("form") or {}))
    sent_back = SentBack(sender.task_name, sender.actor_name, sender.occurred_at, sender.comment) if sender else None
    return LoopHistory(values, sent_back)

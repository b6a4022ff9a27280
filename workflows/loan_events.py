"""Events from outside the diagram that end a loan's post-loan part (贷款结清).

``repaid_in_full`` is called by ``workflows.repayments`` in the repayment's own transaction when no
principal is left. It sends the message the loan's instance waits for: ``loan_repaid`` to a loan's
``microcredit_loan`` (the interrupting boundary event on the call activity ``post_loan`` cancels
whatever post-loan step is open, its inbox rows are cancelled, and the process ends at
``loan_closed``), or ``post_loan_repaid`` to a post-loan part started on its own
(``workflows.post_loan.start_standalone``: the interrupting message boundary event on its
``lifecycle`` sub-process cancels every open branch and the part ends at ``post_loan_repaid``).
"""
from __future__ import annotations

import sqlalchemy as sa
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

from models import Loan, ProcessInstance, db

from . import audit, engine, instances
from .audit import Actor

REPAID_MESSAGE = "loan_repaid"
STANDALONE_REPAID_MESSAGE = "post_loan_repaid"


def running_instance(loan: Loan) -> ProcessInstance | None:
    return db.session.scalars(sa.select(ProcessInstance).where(
        ProcessInstance.loan_id == loan.id, ProcessInstance.status == "running")
        .order_by(ProcessInstance.id.desc()).limit(1)).first()


def repayment_message(workflow) -> str | None:
    """The repaid-in-full message this instance waits for (the call activity's first), if any."""
    waiting = {w.name for w in workflow.waiting_events() if w.event_type == "MessageEventDefinition"}
    return next((m for m in (REPAID_MESSAGE, STANDALONE_REPAID_MESSAGE) if m in waiting), None)


def close(loan: Loan, actor: Actor, action: str, **fields) -> None:
    """End the post-loan part of ``loan`` as closed, in the caller's transaction."""
    before = {"status": loan.status}
    row = running_instance(loan)
    if row is not None:
        loaded = instances.load(row.id)
        message = repayment_message(loaded.workflow)
        if message is not None:
            loaded.workflow.catch(BpmnEvent(MessageEventDefinition(message)))
            engine.run_engine(loaded.workflow)
        instances.settle(loaded, loan)
    loan.status, loan.days_past_due, loan.risk_class = "closed", 0, "normal"
    audit.record(action, actor, loan=loan, process_instance_id=row.id if row else None,
                 before=before, after={"status": loan.status}, **fields)


def repaid_in_full(loan: Loan, actor: Actor) -> None:
    """结清: the loan is closed and its post-loan process ends (audit event ``loan_closed``)."""
    close(loan, actor, "loan_closed")

"""Registration as a township clerk (登记): look a household up while typing, withdraw an application (撤回).

The look-up (户查询) searches the listed households of the clerk's own township only, by name or by
the tail of the resident ID, and answers masked ID numbers (``masking.mask_id_number``): the clerk
picks the household, the form carries its id, never a number typed blind.

A withdrawal (撤回申请) ends the loan's process before disbursement: the service sends the message
``application_withdrawn`` to the loan's ``microcredit_loan`` instance; the interrupting boundary event
on whichever pre-disbursement task is open (``confirm_eligibility``, ``investigate_credit``,
``approve_loan``, ``disburse_loan``) cancels it, its inbox row is cancelled, and the process ends at
``application_withdrawn`` (loan status ``withdrawn``). An instance started on a version without those
boundary events is ended by cancelling its open tasks (same status, same end recorded). Once the loan
is disbursed (or its process has ended) the request is refused with ``application_not_withdrawable``.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

from models import Household, Loan, User, Village, db

from . import audit, engine, instances, loan_events
from .audit import Actor
from .errors import ForbiddenError, FormInvalidError, NotFoundError, PolicyViolationError
from .masking import mask_id_number
from .permissions import in_scope, may_view_loan
from .tasks import refusals
from .unit_of_work import unit_of_work

WITHDRAWN_MESSAGE = "application_withdrawn"
WITHDRAWN_END = "application_withdrawn"
WITHDRAWABLE_STATUSES = ("submitted", "approved")  # 已受理, 已审批: not yet disbursed
MAX_REASON_LENGTH = 500
LOOKUP_LIMIT = 10
MIN_NAME_CHARS, MIN_ID_TAIL = 1, 4


@dataclass(frozen=True)
class HouseholdChoice:
    """One look-up answer: enough to recognise the household, nothing more."""

    id: int
    name: str
    masked_id_number: str
    village: str | None

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "id_number": self.masked_id_number, "village": self.village}


def lookup_households(user: User, text: str | None, limit: int = LOOKUP_LIMIT) -> list[HouseholdChoice]:
    """户查询: listed households of the clerk's township whose name contains ``text`` or whose ID ends with it.

    Digits (and a final X) of at least ``MIN_ID_TAIL`` characters search the ID's tail; anything else
    the name. Only a township clerk with a township may look up; nobody else's households ever appear.
    """
    if not (user.is_active and user.has_role("township_clerk") and user.township_id is not None):
        raise ForbiddenError("only a township clerk looks up the households of their township")
    text = (text or "").strip()
    tail = text.upper()
    if tail.rstrip("X").isdigit() and tail.count("X") <= 1 and len(tail) >= MIN_ID_TAIL:
        match = Household.id_number.endswith(tail, autoescape=True)
    elif len(text) >= MIN_NAME_CHARS and not tail.isdigit():
        match = Household.name.contains(text, autoescape=True)
    else:
        return []
    rows = db.session.execute(
        sa.select(Household, Village.name).outerjoin(Village, Household.village_id == Village.id)
        .where(Household.township_id == user.township_id, Household.removed.is_(False), match)
        .order_by(Household.name, Household.id).limit(limit)).all()
    return [HouseholdChoice(h.id, h.name, mask_id_number(h.id_number), village) for h, village in rows]


def chosen_household(household_id: int) -> Household:
    """The household a clerk picked in the look-up (``not_registered`` if there is none; the caller checks scope)."""
    household = db.session.get(Household, household_id)
    if household is None:
        raise PolicyViolationError(["not_registered"], {"id_number": ["not_registered"]})
    return household


def withdrawal_subject(loan_id: int, *args, **kwargs) -> dict:
    """What a refused withdrawal names in the audit trail: the loan and its scope."""
    loan = db.session.get(Loan, loan_id)
    fields = {"role": "township_clerk", "after": {"loan_id": loan_id}}
    if loan is not None:
        fields.update(loan_id=loan.id, household_id=loan.household_id, township_id=loan.township_id,
                      bank_id=loan.bank_id)
    return fields


def clean_reason(reason) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise FormInvalidError({"reason": ["reason_required"]})
    if len(text) > MAX_REASON_LENGTH:
        raise FormInvalidError({"reason": ["reason_too_long"]})
    return text


def may_withdraw(user: User, loan: Loan) -> bool:
    """Offer 撤回 on the loan page: a clerk of the loan's township, before disbursement."""
    return in_scope(user, "township_clerk", loan.township_id, None) and withdrawable(loan)


def withdrawable(loan: Loan) -> bool:
    return loan.status in WITHDRAWABLE_STATUSES and loan.disbursed_on is None


@refusals.audited("withdraw_application", withdrawal_subject)
@unit_of_work
def withdraw_application(actor: Actor, loan_id: int, reason) -> Loan:
    """撤回: the household withdrew its application; the process ends with the loan ``withdrawn``.

    Audit event ``application_withdrawn`` with the reason. Refused (``application_not_withdrawable``)
    once the loan is disbursed or its process has ended; a loan outside the clerk's view is 404, one
    they see but may not act on (another role) 403.
    """
    loan = db.session.get(Loan, loan_id)
    if loan is None or not may_view_loan(actor.user, loan):
        raise NotFoundError(f"loan {loan_id}")
    if not in_scope(actor.user, "township_clerk", loan.township_id, None):
        raise ForbiddenError("only a clerk of the loan's township withdraws its application")
    text = clean_reason(reason)
    row = loan_events.running_instance(loan)
    if not withdrawable(loan) or row is None:
        raise PolicyViolationError(["application_not_withdrawable"])
    before = {"status": loan.status}
    loaded = instances.load(row.id)
    waiting = {w.name for w in loaded.workflow.waiting_events() if w.event_type == "MessageEventDefinition"}
    if WITHDRAWN_MESSAGE in waiting:
        loaded.workflow.catch(BpmnEvent(MessageEventDefinition(WITHDRAWN_MESSAGE)))
        engine.run_engine(loaded.workflow)
    else:  # started on a version without the boundary events: end it the same way by hand
        loaded.workflow.cancel()
    instances.settle(loaded, loan)
    if instances.reached_end(loaded.workflow) != WITHDRAWN_END:
        row.end_event = WITHDRAWN_END
    loan.status = "withdrawn"
    actor = Actor(actor.user, "township_clerk", actor.ip_address)
    audit.record("application_withdrawn", actor, loan=loan, process_instance_id=row.id, before=before,
                 after={"status": loan.status, "reason": text}, comment=text)
    return loan

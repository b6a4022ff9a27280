"""Loan applications (贷款申请): register one, starting ``microcredit_loan``.

Registration is one transaction: start the process, complete its first task through the task
pipeline's step (``workflows.tasks.service.run_step``) with the policy facts, append the audit
event. Every later task of the loan is completed by ``workflows.tasks.service.complete_task``.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import Bank, Loan, db

from . import audit, clock, instances, policy, registration, renewals
from .audit import Actor
from .errors import ForbiddenError, PolicyViolationError
from .permissions import in_scope
from .tasks import refusals
from .tasks.service import run_step
from .unit_of_work import unit_of_work

PROCESS_KEY = "microcredit_loan"
APPLICATION_FIELDS = ("id_number", "bank", "amount", "term_months", "purpose_category", "purpose", "kind")


def application_subject(data: dict, *args, **kwargs) -> dict:
    """What a refused registration names in the audit trail: the household (if listed) and the request."""
    fields = {"task_name": "register_application", "role": "township_clerk",
              "after": {"application": {k: data.get(k) for k in APPLICATION_FIELDS}}}
    try:
        household = applicant_household(data)
    except PolicyViolationError:
        return fields
    return {**fields, "household_id": household.id, "township_id": household.township_id}


class OtherTownshipError(ForbiddenError):
    """The household is listed in another township (HTTP 403, code ``household_other_township``).

    The registration page shows it beside the ID field and keeps what the clerk typed."""

    codes = ("household_other_township",)

    def __init__(self):
        self.field_errors = {"id_number": ["household_other_township"]}
        super().__init__("the household belongs to another township")


def applicant_household(data: dict):
    """The household picked in the look-up (``household_id``) or named by its full resident ID."""
    if data.get("household_id"):
        return registration.chosen_household(int(data["household_id"]))
    return policy.household_for(data.get("id_number") or "")


@refusals.audited("register_application", application_subject)
@unit_of_work
def register_application(actor: Actor, data: dict) -> Loan:
    """登记申请: start ``microcredit_loan`` and complete ``register_application`` in one step.

    A policy refusal (DMN ``loan_policy``) raises ``PolicyViolationError`` and nothing is written but
    the ``attempt_refused`` audit event. A renewal (``kind = renewal``) is linked to the household's
    due loan (``renewals.renewable_loan``).
    """
    household = applicant_household(data)
    if not in_scope(actor.user, "township_clerk", household.township_id, None):
        raise OtherTownshipError()
    bank = db.session.scalars(sa.select(Bank).where(Bank.code == data["bank"])).first()
    if bank is None:
        raise PolicyViolationError(["invalid"], {"bank": ["unknown_bank"]})
    previous = renewals.renewable_loan(household, clock.today()) if data.get("kind") == "renewal" else None
    actor = Actor(actor.user, "township_clerk", actor.ip_address)
    form = {**{k: data.get(k) for k in APPLICATION_FIELDS}, "id_number": household.id_number}
    loan = Loan(household=household, township_id=household.township_id, bank=bank, status="submitted",
                applicant_id_number=household.id_number, applied_on=clock.today(),
                previous_loan_id=previous.id if previous else None,
                **{k: form[k] for k in APPLICATION_FIELDS if k not in ("id_number", "bank")})
    db.session.add(loan)
    db.session.flush()
    loaded = instances.start(PROCESS_KEY, loan, {"loan_id": loan.id})
    instances.save(loaded)
    (row,) = instances.refresh_inbox(loaded, loan)
    spiff_task = instances.find_ready_task(loaded, row.spiff_task_id)
    facts = policy.application_facts(household, loan.applicant_id_number, loan.amount, loan.applied_on, loan.id)
    run_step(actor, loaded, loan, spiff_task, row, form, facts)
    audit.record("loan_registered", actor, loan=loan, process_instance_id=loaded.row.id,
                 task_name="register_application", after={"form": form, "facts": facts})
    return loan

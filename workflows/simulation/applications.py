"""Applications of the day (贷款申请): households registered by their township's clerk.

Each goes through ``loans.register_application``, the service the registration page calls. A share
carries a flaw the policy refuses (too much, too long, not productive); the clerk corrects it and
registers it again a few days later. Households too old, removed or on the dishonest list are
refused every time: that is the policy working, and it is counted.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import Bank, Household, db

from .. import loans
from ..errors import DomainError, PolicyViolationError
from .state import Application, State


def run(state: State, day: date) -> None:
    for application in state.applications.pop(day, []):
        register(state, day, application)


def register(state: State, day: date, application: Application) -> None:
    household = db.session.get(Household, application.household_id)
    d = state.decisions
    bank = application.bank or d.rng.choice(state.world.banks).code
    data = d.application(household.id_number, bank, application.kind, application.amount)
    flawed = d.chance(state.settings.refused_rate) if application.flawed is None else application.flawed
    if flawed:
        data.update(d.flaw())
    clerk = state.world.staff.one("township_clerk", household.township_id)
    try:
        loan = loans.register_application(clerk, data)
    except PolicyViolationError as exc:
        state.tally.count("applications_refused", *sorted(exc.codes)[:1])
        if flawed and not set(exc.codes) & {"age_out_of_range", "dishonest_debtor", "removed_from_list",
                                           "extension_limit", "renewal_without_due_loan"}:
            again = Application(application.household_id, application.kind, bank, application.amount, False)
            state.applications[state.later(day, d.between(3, 10))].append(again)
        return
    except DomainError as exc:
        state.tally.count("applications_failed", type(exc).__name__)
        return
    state.tally.count("applications_registered", application.kind)
    state.plans[loan.id] = d.plan()


def first_applications(state: State) -> None:
    """Each listed household's first application, spread over the first part of the period."""
    spread = max(1, min(int(state.settings.days * 0.35), 240))
    for household_id in state.world.households:
        state.applications[state.later(state.settings.start, state.decisions.between(0, spread - 1))].append(
            Application(household_id))


def reapply(state: State, day: date, household_id: int) -> None:
    """A household that repaid may come back for a new loan a few months later."""
    if state.decisions.chance(state.settings.reapply_rate):
        state.applications[state.later(day, state.decisions.between(30, 180))].append(Application(household_id))


def bank_code(bank_id: int) -> str:
    return db.session.scalar(sa.select(Bank.code).where(Bank.id == bank_id))

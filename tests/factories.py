"""Plain factory functions for tests: the reference world, households, and loans driven to a step."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import Household, HumanTask, Loan, Township, User, db
from workflows import accounts, clock, demo_data, loans, reference_data, resident_id
from workflows.audit import Actor
from workflows.simulation import world as simulated_world
from workflows.tasks import service

PASSWORD = demo_data.DEMO_PASSWORD


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)

    def actor(self, username: str) -> Actor:
        return Actor(self.users[username], None, "127.0.0.1")


def build_world() -> World:
    """Reference data, the demo townships and banks, one user per demo login, and two outsiders."""
    reference_data.install()
    simulated_world.ensure_places()
    world = World()
    for username, name, roles, township, bank in demo_data.USERS:
        world.users[username] = accounts.create_user(username, PASSWORD, roles, display_name=name,
                                                     township=township, bank=bank)
    world.users["clerk_zhaojia"] = accounts.create_user("clerk_zhaojia", PASSWORD, ["township_clerk"],
                                                        township="zhaojia")
    world.users["approver2_rcb"] = accounts.create_user("approver2_rcb", PASSWORD, ["bank_approver"], bank="cqrcb")
    db.session.commit()
    return world


_sequence = itertools.cycle(range(100, 1000))  # each test empties the tables: numbers may repeat across tests


def make_household(township: str = "hanfeng", born: date = date(1980, 6, 15), **columns) -> Household:
    township_row = db.session.scalars(sa.select(Township).where(Township.code == township)).one()
    household = Household(id_number=resident_id.compose("500234", born, next(_sequence)), name="测试户",
                          township=township_row, category="poverty_lifted", **columns)
    db.session.add(household)
    db.session.commit()
    return household


def application(household: Household, **overrides) -> dict:
    data = {"id_number": household.id_number, "bank": "cqrcb", "amount": Decimal("30000.00"),
            "term_months": 12, "purpose_category": "breeding", "purpose": "养殖生猪", "kind": "new"}
    return {**data, **overrides}


def ready_task(loan_id: int, name: str) -> HumanTask:
    return db.session.scalars(sa.select(HumanTask).where(
        HumanTask.loan_id == loan_id, HumanTask.name == name, HumanTask.state == "ready")).one()


INVESTIGATION = {"grade": "AAA", "recommended_amount": Decimal("30000.00"), "recommended_term_months": 12,
                 "investigation_report": "有养殖经验，还款能力较强"}
APPROVAL = {"decision": "approve", "approved_amount": Decimal("30000.00"), "approved_term_months": 12,
            "annual_rate": Decimal("3.00"), "approval_comment": "同意"}
STEPS = ("confirm_eligibility", "investigate_credit", "approve_loan", "disburse_loan")


def drive(world: World, loan_id: int, until: str, **data_by_step) -> Loan:
    """Complete the steps of ``loan_id`` in order, stopping before ``until`` (or at the end)."""
    defaults = {
        "confirm_eligibility": ("bureau", {"eligible": True, "eligibility_note": "核实在册"}),
        "investigate_credit": ("officer_rcb", INVESTIGATION),
        "approve_loan": ("approver_rcb", APPROVAL),
        "disburse_loan": ("officer_rcb", {"contract_number": "KZ-1", "disbursed_on": clock.today(),
                                          "account_number": "6228480000001"}),
    }
    for step in STEPS:
        if step == until:
            break
        task = db.session.scalars(sa.select(HumanTask).filter_by(loan_id=loan_id, name=step, state="ready")).first()
        if task is None:
            continue
        username, data = defaults[step]
        service.complete_task(world.actor(username), task.id, {**data, **data_by_step.get(step, {})})
    return db.session.get(Loan, loan_id)


def register(world: World, household: Household, clerk: str = "clerk_hanfeng", **overrides) -> Loan:
    return loans.register_application(world.actor(clerk), application(household, **overrides))

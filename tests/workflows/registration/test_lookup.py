"""户查询 and the township scope of a registration: a clerk finds only their own township's listed households."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Loan, Township, Village, db
from workflows import loans, registration
from workflows.errors import ForbiddenError, PolicyViolationError
from tests.factories import application

from .drivers import events, named_household


def village(township: str, name: str) -> Village:
    township_row = db.session.scalars(sa.select(Township).where(Township.code == township)).one()
    row = Village(township=township_row, code=f"{township}-{name}", name=name)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def households(world):
    home = village("hanfeng", "石龙村")
    return {
        "mine": named_household("冉光荣", village=home),
        "mine_too": named_household("冉光明"),
        "removed": named_household("冉光辉", removed=True, removed_reason="骗取帮扶"),
        "other": named_household("冉光华", township="dade"),
    }


def names(choices) -> list[str]:
    return [c.name for c in choices]


def test_a_name_finds_the_listed_households_of_the_clerks_township_only(world, households):
    clerk = world.users["clerk_hanfeng"]
    choices = registration.lookup_households(clerk, "冉光")
    assert names(choices) == ["冉光明", "冉光荣"]
    found = {c.name: c.as_json() for c in choices}["冉光荣"]
    number = households["mine"].id_number
    assert found == {"id": households["mine"].id, "name": "冉光荣", "village": "石龙村",
                     "id_number": number[:6] + "*" * 8 + number[-4:]}
    assert names(registration.lookup_households(world.users["clerk_dade"], "冉光")) == ["冉光华"]


def test_the_tail_of_the_resident_id_finds_the_household(world, households):
    clerk = world.users["clerk_hanfeng"]
    mine, other = households["mine"].id_number, households["other"].id_number
    assert names(registration.lookup_households(clerk, mine[-6:])) == ["冉光荣"]
    assert registration.lookup_households(clerk, other[-6:]) == []
    assert registration.lookup_households(clerk, other) == []
    assert names(registration.lookup_households(clerk, f" {mine[-4:].lower()} ")) == ["冉光荣"]


@pytest.mark.parametrize("text", ["", "   ", None, "123", "%", "_"])
def test_too_little_or_a_wildcard_finds_nothing(world, households, text):
    assert registration.lookup_households(world.users["clerk_hanfeng"], text) == []


def test_the_answer_is_capped(world):
    for _ in range(registration.LOOKUP_LIMIT + 2):
        named_household("谭德兵")
    assert len(registration.lookup_households(world.users["clerk_hanfeng"], "谭")) == registration.LOOKUP_LIMIT


@pytest.mark.parametrize("username", ["bureau", "officer_rcb", "supervisor", "admin", "finance"])
def test_only_a_township_clerk_looks_up(world, households, username):
    with pytest.raises(ForbiddenError):
        registration.lookup_households(world.users[username], "冉光")


def test_a_household_of_another_township_is_refused_at_registration_and_audited(world, households):
    clerk = world.actor("clerk_hanfeng")
    with pytest.raises(loans.OtherTownshipError) as refused:
        loans.register_application(clerk, application(households["other"]))
    assert isinstance(refused.value, ForbiddenError)
    assert refused.value.codes == ("household_other_township",)
    assert refused.value.field_errors == {"id_number": ["household_other_township"]}
    assert db.session.scalar(sa.select(sa.func.count(Loan.id))) == 0
    [attempt] = events("attempt_refused")
    assert (attempt.codes, attempt.household_id, attempt.actor_role) == (
        ["household_other_township"], households["other"].id, "township_clerk")


def test_the_household_picked_in_the_look_up_is_registered(world, households):
    clerk = world.actor("clerk_hanfeng")
    picked = households["mine"]
    data = {**application(picked), "id_number": registration.lookup_households(clerk.user, "冉光荣")[0].masked_id_number,
            "household_id": picked.id}
    loan = loans.register_application(clerk, data)
    assert (loan.household_id, loan.applicant_id_number, loan.status) == (picked.id, picked.id_number, "submitted")
    [event] = events("loan_registered", loan.id)
    assert event.after["form"]["id_number"] == picked.id_number


def test_a_picked_household_of_another_township_or_none_is_refused(world, households):
    clerk = world.actor("clerk_hanfeng")
    with pytest.raises(loans.OtherTownshipError):
        loans.register_application(clerk, {**application(households["other"]), "household_id": households["other"].id})
    with pytest.raises(PolicyViolationError) as missing:
        loans.register_application(clerk, {**application(households["mine"]), "household_id": 999999})
    assert missing.value.codes == ("not_registered",)

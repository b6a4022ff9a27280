"""The sign-in check of workflows.accounts: one password hash check for every name, known or not; the
locks per name and address and per name from unfamiliar addresses; old rows purged; session
generations that move on with sign-out, password change and deactivation."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import ApiToken, AuditEvent, SignInAttempt, db
from tests.conftest import count
from tests.factories import PASSWORD
from workflows import accounts, api_tokens, clock
from workflows.errors import FormInvalidError

LIMITS = accounts.SignInLimits(per_address=20, per_account=5, period=timedelta(minutes=15),
                               familiar_for=timedelta(days=30))
HOME, ATTACKER = "10.0.0.2", "10.6.6.6"


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """The hashes ``check_password_hash`` was asked to compare against, in order."""
    seen: list[str] = []
    real = accounts.check_password_hash

    def spy(pwhash, password):
        seen.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", spy)
    return seen


def attempt(username, password="wrong-password", address=ATTACKER) -> accounts.SignIn:
    checked = accounts.check_sign_in(username, password, address, LIMITS)
    db.session.commit()
    return checked


def lock(username, address=ATTACKER) -> None:
    for _ in range(LIMITS.per_account):
        attempt(username, address=address)


@pytest.mark.parametrize("username, password, outcome", [
    ("bureau", PASSWORD, "signed_in"),
    ("bureau", "wrong-password", "refused"),
    ("nobody_at_all", "wrong-password", "refused"),
    ("nobody_at_all", PASSWORD, "refused"),
])
def test_every_answer_costs_exactly_one_hash_check(world, hash_checks, username, password, outcome):
    assert attempt(username, password).outcome == outcome
    assert len(hash_checks) == 1


def test_a_locked_name_is_checked_once_against_a_dummy_hash_even_with_the_right_password(world, hash_checks):
    lock("bureau")
    del hash_checks[:]
    assert attempt("bureau", PASSWORD).outcome == "locked"
    assert len(hash_checks) == 1 and hash_checks[0] != world.users["bureau"].password_hash


def test_unknown_and_inactive_names_are_checked_against_the_same_dummy_hash(world, hash_checks):
    world.users["finance"].is_active = False
    db.session.commit()
    attempt("finance", PASSWORD)
    attempt("nobody_at_all")
    assert len(hash_checks) == 2 and hash_checks[0] == hash_checks[1]
    assert hash_checks[0].split("$")[0] == accounts.PASSWORD_HASH_METHOD.split("$")[0]


def test_a_busy_address_is_refused_before_any_hash_check(world, hash_checks):
    for i in range(LIMITS.per_address):
        attempt(f"guess{i}")
    del hash_checks[:]
    assert attempt("bureau", PASSWORD).outcome == "throttled"
    assert hash_checks == []


def test_names_are_counted_case_blind_and_unknown_names_lock_alike(world):
    for name in ("Nobody", "NOBODY", "nobody", "noBody"):
        assert attempt(name).outcome == "refused"
    assert attempt("nobody").outcome == "locked"
    lock("Bureau")
    assert attempt("bureau", PASSWORD).outcome == "locked"


def test_a_success_from_an_address_restarts_its_own_count_only(world):
    for _ in range(LIMITS.per_account - 1):
        attempt("bureau", address=HOME)
    assert attempt("bureau", PASSWORD, address=HOME).outcome == "signed_in"
    for _ in range(LIMITS.per_account - 1):
        assert attempt("bureau", address=HOME).outcome == "refused"
    assert attempt("bureau", PASSWORD, address=HOME).outcome == "signed_in"


def test_a_name_under_attack_stays_open_from_familiar_addresses(world):
    attempt("admin", PASSWORD, address=HOME)
    lock("admin")
    assert attempt("admin", PASSWORD).outcome == "locked"
    assert attempt("admin", PASSWORD, address="10.0.0.9").outcome == "locked"  # unfamiliar
    assert attempt("admin", PASSWORD, address=HOME).outcome == "signed_in"
    assert world.users["admin"].locked_until > clock.now()


def test_a_familiar_address_is_forgotten_after_the_period(world):
    start = clock.now()
    with clock.frozen(start):
        attempt("admin", PASSWORD, address=HOME)
    with clock.frozen(start + LIMITS.familiar_for + timedelta(minutes=1)):
        lock("admin")
        assert attempt("admin", PASSWORD, address=HOME).outcome == "locked"


def test_rows_no_count_reads_are_purged_as_new_ones_arrive(world):
    start = clock.now()
    with clock.frozen(start):
        attempt("bureau", PASSWORD, address=HOME)
        lock("bureau")
    with clock.frozen(start + LIMITS.period + timedelta(minutes=1)):
        attempt("bureau")
        assert count(SignInAttempt, succeeded=False) == 1 and count(SignInAttempt, succeeded=True) == 1
    with clock.frozen(start + LIMITS.familiar_for + timedelta(minutes=1)):
        attempt("bureau")
        assert count(SignInAttempt) == 1


def test_a_name_with_a_nul_byte_is_just_another_wrong_name(world):
    """PostgreSQL text cannot hold NUL: the byte is dropped before the name is looked up or stored."""
    assert attempt("nobody\x00at_all").outcome == "refused"
    assert count(SignInAttempt, username="nobodyat_all") == 1


def test_failures_are_audited_with_the_name_typed(world):
    attempt("nobody_at_all")
    assert count(AuditEvent, action="login_failed", comment="nobody_at_all", ip_address=ATTACKER) == 1


def test_sign_out_moves_the_generation_on_and_keeps_tokens(world):
    user = world.users["clerk_hanfeng"]
    api_tokens.issue(user, timedelta(hours=1))
    before = user.session_generation
    accounts.sign_out(world.actor("clerk_hanfeng"))
    assert user.session_generation == before + 1 and count(ApiToken, user_id=user.id) == 1


def test_a_password_change_moves_the_generation_on_and_revokes_tokens(world):
    user = world.users["clerk_hanfeng"]
    api_tokens.issue(user, timedelta(hours=1))
    generation = accounts.change_password(user, PASSWORD, "Brand-new-2026", ip_address=HOME)
    assert generation == user.session_generation == 1 and count(ApiToken, user_id=user.id) == 0
    assert attempt("clerk_hanfeng", "Brand-new-2026", address=HOME).outcome == "signed_in"


def test_a_wrong_current_password_counts_toward_the_lock(world):
    user = world.users["clerk_hanfeng"]

    def refusal(old: str) -> list[str]:
        with pytest.raises(FormInvalidError) as refused:
            accounts.change_password(user, old, "Brand-new-2026", ip_address=ATTACKER, limits=LIMITS)
        return refused.value.field_errors["old_password"]

    assert [refusal("not-it") for _ in range(LIMITS.per_account)][-2:] == [["wrong_password"], ["too_many_attempts"]]
    assert refusal(PASSWORD) == ["too_many_attempts"]
    assert user.session_generation == 0


def test_deactivation_moves_the_generation_on_and_revokes_tokens(world):
    user = world.users["officer_psbc"]
    api_tokens.issue(user, timedelta(hours=1))
    accounts.deactivate("officer_psbc", world.actor("admin"))
    assert user.session_generation == 1 and count(ApiToken, user_id=user.id) == 0

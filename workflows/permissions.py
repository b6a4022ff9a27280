"""Who may see what: small named predicates shared by services, views and templates.

Tasks have their own authority, ``workflows.tasks.access``, built on ``in_scope``."""
from __future__ import annotations

from models import Loan, User

BANK_ROLES = frozenset({"bank_officer", "bank_approver"})
TOWNSHIP_ROLES = frozenset({"township_clerk"})
DISTRICT_READERS = frozenset({"rural_bureau", "finance_bureau", "supervisor", "admin"})


def in_scope(user: User, role: str, township_id: int | None, bank_id: int | None) -> bool:
    """``user`` holds ``role`` and the object lies inside that role's township or bank."""
    if not user.is_active or not user.has_role(role):
        return False
    if role in TOWNSHIP_ROLES:
        return township_id is not None and user.township_id == township_id
    if role in BANK_ROLES:
        return bank_id is not None and user.bank_id == bank_id
    return True


def may_view_loan(user: User, loan: Loan) -> bool:
    """District roles see every loan; a clerk the loans of their township; bank staff their bank's."""
    if not user.is_active:
        return False
    if user.roles & DISTRICT_READERS:
        return True
    if "township_clerk" in user.roles and user.township_id == loan.township_id:
        return True
    return bool(user.roles & BANK_ROLES) and user.bank_id == loan.bank_id


def acting_role(user: User) -> str | None:
    """The role recorded for actions not tied to a task: the user's first role in a stable order."""
    return sorted(user.roles)[0] if user.roles else None

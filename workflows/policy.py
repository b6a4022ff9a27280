"""Policy figures read from data: the LPR in force, dated settings, household facts for DMN ``loan_policy``.

The numbers themselves live in the DMN tables (``workflows/bpmn/*.dmn``), the ``lpr_rates`` table
and the ``policy_settings`` table; this module only reads them.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import OUTSTANDING_STATUSES, Household, Loan, LprRate, PolicySetting, db

from . import resident_id
from .errors import PolicyViolationError

SETTING_KEYS = {
    "subsidised_principal_cap": "每户贴息本金上限 (元)",
    "covered_principal_cap": "每户风险补偿本金上限 (元)",
    "subsidy_share": "贴息比例 (0–1)",
}


class MissingPolicyDataError(LookupError):
    """No LPR publication or setting is in force on the asked day."""


SETTINGS_KEY, RATES_KEY = "policy_settings", "lpr_rates"  # session.info: the whole table, read once per transaction
# built once: a statement used again keeps its cache key, which SQLAlchemy otherwise works out every time
_SETTINGS_QUERY = (sa.select(PolicySetting.key, PolicySetting.effective_from, PolicySetting.value)
                   .order_by(PolicySetting.key, PolicySetting.effective_from.desc()))
_RATES_QUERY = sa.select(LprRate).order_by(LprRate.effective_date.desc())


def setting(key: str, day: date) -> Decimal:
    """The dated setting ``key`` in force on ``day``, as a Decimal."""
    value = setting_text(key, day)
    if value is None:
        raise MissingPolicyDataError(f"no policy setting {key!r} in force on {day}")
    return Decimal(value)


def setting_text(key: str, day: date) -> str | None:
    """The text of the dated setting ``key`` in force on ``day``, or ``None`` if none is."""
    for effective_from, value in _settings().get(key, ()):
        if effective_from <= day:
            return value
    return None


def lpr_in_force(day: date) -> LprRate:
    for row in _rates():
        if row.effective_date <= day:
            return row
    raise MissingPolicyDataError(f"no LPR publication in force on {day}")


def _settings() -> dict[str, list[tuple[date, str]]]:
    """Every dated setting, newest first per key: a step reads several, so the small table is read
    once per transaction, not once per figure."""
    cached = db.session.info.get(SETTINGS_KEY)
    if cached is None:
        cached = {}
        for key, effective_from, value in db.session.execute(_SETTINGS_QUERY):
            cached.setdefault(key, []).append((effective_from, value))
        db.session.info[SETTINGS_KEY] = cached
    return cached


def _rates() -> list[LprRate]:
    """Every LPR publication, newest first (a few dozen rows), once per transaction."""
    cached = db.session.info.get(RATES_KEY)
    if cached is None:
        cached = db.session.info[RATES_KEY] = list(db.session.scalars(_RATES_QUERY))
    return cached


def _forget(session) -> None:
    session.info.pop(SETTINGS_KEY, None)
    session.info.pop(RATES_KEY, None)


@sa.event.listens_for(so.Session, "after_transaction_end")
def _forget_reference(session, transaction) -> None:
    if transaction.parent is None:
        _forget(session)


@sa.event.listens_for(so.Session, "before_flush")
def _forget_edited_reference(session, flush_context, instances) -> None:
    """A setting or rate added or changed in this transaction is read afresh."""
    if (SETTINGS_KEY in session.info or RATES_KEY in session.info) and any(
            isinstance(o, (PolicySetting, LprRate)) for o in (*session.new, *session.dirty, *session.deleted)):
        _forget(session)


@sa.event.listens_for(so.Session, "after_attach")
def _forget_attached_reference(session, instance) -> None:
    if isinstance(instance, (PolicySetting, LprRate)):
        _forget(session)


def rate_cap(tenor: str, day: date) -> Decimal:
    """The highest annual rate (percent) for a loan of LPR tenor ``tenor`` ('1y' or '5y_plus') on ``day``."""
    lpr = lpr_in_force(day)
    return {"1y": lpr.lpr_1y, "5y_plus": lpr.lpr_5y_plus}[tenor]


def outstanding_principal(household_id: int, excluding_loan_id: int | None = None) -> Decimal:
    """The household's principal still owed or about to be lent on its other open loans."""
    amount = sa.func.coalesce(Loan.approved_amount, Loan.amount)
    owed = sa.case((Loan.status.in_(OUTSTANDING_STATUSES), Loan.principal_outstanding), else_=amount)
    query = sa.select(Loan.id, owed).where(
        Loan.household_id == household_id,
        Loan.status.in_(("submitted", "approved") + OUTSTANDING_STATUSES),
    )
    if excluding_loan_id is not None:
        query = query.where(Loan.id != excluding_loan_id)
    return sum((Decimal(str(v)) for _, v in db.session.execute(query)), Decimal("0.00"))


def household_for(id_number: str) -> Household:
    """The listed household whose head holds ``id_number``; refused with ``not_registered`` if none."""
    try:
        number = resident_id.normalise(id_number)
    except resident_id.InvalidResidentIdError as exc:
        raise PolicyViolationError(["invalid_id_number"], {"id_number": [str(exc)]}) from exc
    household = db.session.scalars(sa.select(Household).where(Household.id_number == number)).first()
    if household is None:
        raise PolicyViolationError(["not_registered"], {"id_number": ["not_registered"]})
    return household


def application_facts(household: Household, id_number: str, amount: Decimal, applied_on: date,
                      loan_id: int | None = None) -> dict:
    """The facts DMN ``loan_policy`` decides on, as task data."""
    return {
        "applicant_age": resident_id.age_on(id_number, applied_on),
        "on_list": True,
        "removed": bool(household.removed),
        "dishonest": bool(household.dishonest),
        "household_total": outstanding_principal(household.id, loan_id) + amount,
    }


def capped_share(amount: Decimal, household_id: int, loan_id: int, cap: Decimal, column) -> Decimal:
    """The part of ``amount`` still under the per-household ``cap`` given the household's other loans."""
    return capped_shares(amount, household_id, loan_id, [(cap, column)])[0]


def capped_shares(amount: Decimal, household_id: int, loan_id: int, caps: list[tuple[Decimal, object]]) -> list[Decimal]:
    """:func:`capped_share` for several ``(cap, column)`` pairs, summed in one statement."""
    used = db.session.execute(
        sa.select(*(sa.func.coalesce(sa.func.sum(column), 0) for _, column in caps)).where(
            Loan.household_id == household_id, Loan.id != loan_id, Loan.status.in_(OUTSTANDING_STATUSES)
        )
    ).one()
    return [max(Decimal("0.00"), min(amount, cap - Decimal(str(spent)))) for (cap, _), spent in zip(caps, used)]


def dmn_limit(code: str, process_key: str = "microcredit_loan", table: str = "loan_policy.dmn") -> Decimal | None:
    """The number a DMN rule refusing with ``code`` compares against in the deployed table (``> 50000``
    gives 50000), so a message names the limit the table really applies; ``None`` if none is found."""
    from .instances import latest_version  # the engine integration imports this module
    from .safe_xml import parse_xml

    try:
        source = latest_version(process_key).sources.get(table)
    except Exception:  # noqa: BLE001 - not deployed yet: the message keeps its fixed wording
        return None
    if not source:
        return None
    root = parse_xml(source)
    for rule in root.iter("{*}rule"):
        outputs = [(entry.findtext("{*}text") or "").strip() for entry in rule.iter("{*}outputEntry")]
        if f'"{code}"' not in outputs:
            continue
        for entry in rule.iter("{*}inputEntry"):
            match = re.fullmatch(r"\s*[<>]=?\s*(\d+(?:\.\d+)?)\s*", entry.findtext("{*}text") or "")
            if match:
                return Decimal(match.group(1))
    return None

"""Administrators edit policy data (政策参数维护): dated policy settings and LPR publications.

Past values stay: each change adds a row with its own date; nothing is updated or deleted. A value
dated before the newest one of its key would rewrite what was in force in the past, so it is refused,
and so is a date that already has a value. Each service is one transaction with its audit event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from models import LprRate, PolicySetting, db

from . import audit
from .errors import PolicyViolationError
from .policy import SETTING_KEYS
from .unit_of_work import unit_of_work

RATE_QUANTUM = Decimal("0.0001")  # lpr_rates holds percent with four decimals
SHARE_KEYS = frozenset({"subsidy_share"})  # a share of 0 to 1; the other known keys are amounts ≥ 0


@dataclass(frozen=True)
class SettingHistory:
    """One key with its values, newest first."""

    key: str
    label: str | None
    values: list[PolicySetting]

    @property
    def newest(self) -> PolicySetting | None:
        return self.values[0] if self.values else None


def setting_keys() -> list[str]:
    """The known keys, then any other key present in the table."""
    present = set(db.session.scalars(sa.select(PolicySetting.key).distinct()))
    return list(SETTING_KEYS) + sorted(present - set(SETTING_KEYS))


def setting_histories() -> list[SettingHistory]:
    rows = db.session.scalars(sa.select(PolicySetting).order_by(PolicySetting.key,
                                                                PolicySetting.effective_from.desc()))
    by_key: dict[str, list[PolicySetting]] = {key: [] for key in setting_keys()}
    for row in rows:
        by_key[row.key].append(row)
    return [SettingHistory(key, SETTING_KEYS.get(key), values) for key, values in by_key.items()]


def lpr_publications() -> list[LprRate]:
    return list(db.session.scalars(sa.select(LprRate).order_by(LprRate.effective_date.desc())))


def checked_value(key: str, value: str) -> str:
    """The value as it will be stored; ``PolicyViolationError`` when the key needs a number it is not."""
    text = (value or "").strip()
    if key not in SETTING_KEYS:
        if not text:
            raise PolicyViolationError(["value_required"], {"value": ["value_required"]})
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise PolicyViolationError(["not_a_number"], {"value": ["not_a_number"]}) from None
    if not number.is_finite() or number < 0:
        raise PolicyViolationError(["not_a_number"], {"value": ["not_a_number"]})
    if key in SHARE_KEYS and number > 1:
        raise PolicyViolationError(["share_over_one"], {"value": ["share_over_one"]})
    return str(number)


def _check_date(day: date, newest: date | None, field: str) -> None:
    if newest is not None and day == newest:
        raise PolicyViolationError(["date_exists"], {field: ["date_exists"]})
    if newest is not None and day < newest:
        raise PolicyViolationError(["date_before_newest"], {field: ["date_before_newest"]})


@unit_of_work
def add_setting(actor: audit.Actor, key: str, effective_from: date, value: str,
                comment: str | None = None) -> PolicySetting:
    """A new dated value of ``key`` (audit ``policy_setting_added``, before = the value in force then)."""
    if key not in setting_keys():
        raise PolicyViolationError(["unknown_setting"], {"key": ["unknown_setting"]})
    stored = checked_value(key, value)
    newest = db.session.scalar(sa.select(sa.func.max(PolicySetting.effective_from)).where(PolicySetting.key == key))
    _check_date(effective_from, newest, "effective_from")
    previous = db.session.scalars(PolicySetting.in_force_on(key, effective_from)).first()
    row = PolicySetting(key=key, effective_from=effective_from, value=stored, comment=comment or None)
    db.session.add(row)
    db.session.flush()
    audit.record("policy_setting_added", actor, before=_setting_dict(previous), after=_setting_dict(row),
                 comment=comment or None)
    return row


@unit_of_work
def publish_lpr(actor: audit.Actor, effective_date: date, lpr_1y: Decimal, lpr_5y_plus: Decimal) -> LprRate:
    """A new LPR publication (audit ``lpr_published``, before = the publication in force then)."""
    for field, rate in (("lpr_1y", lpr_1y), ("lpr_5y_plus", lpr_5y_plus)):
        if rate is None or not Decimal(rate).is_finite() or rate <= 0 or rate >= 100:
            raise PolicyViolationError(["rate_out_of_range"], {field: ["rate_out_of_range"]})
    newest = db.session.scalar(sa.select(sa.func.max(LprRate.effective_date)))
    _check_date(effective_date, newest, "effective_date")
    previous = db.session.scalars(LprRate.in_force_on(effective_date)).first()
    row = LprRate(effective_date=effective_date, lpr_1y=Decimal(lpr_1y).quantize(RATE_QUANTUM),
                  lpr_5y_plus=Decimal(lpr_5y_plus).quantize(RATE_QUANTUM))
    db.session.add(row)
    db.session.flush()
    audit.record("lpr_published", actor, before=_lpr_dict(previous), after=_lpr_dict(row))
    return row


def _setting_dict(row: PolicySetting | None) -> dict | None:
    if row is None:
        return None
    return {"key": row.key, "effective_from": row.effective_from, "value": row.value, "comment": row.comment}


def _lpr_dict(row: LprRate | None) -> dict | None:
    if row is None:
        return None
    return {"effective_date": row.effective_date, "lpr_1y": row.lpr_1y, "lpr_5y_plus": row.lpr_5y_plus}

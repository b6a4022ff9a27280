"""Reference data every installation needs: the LPR history, default policy settings, the diagrams.

Idempotent: rows already present are left as they are (administrators may have changed them).
"""
from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from models import LprRate, PolicySetting, db

from . import deployment, risk_fund

LPR_CSV = Path(__file__).resolve().parent / "data" / "lpr.csv"
DEFAULT_SETTINGS_CSV = Path(__file__).resolve().parent / "data" / "policy_settings.csv"


def load_lpr(path: Path = LPR_CSV) -> int:
    """Insert the LPR publications of the shipped CSV that are not in the table yet."""
    known = set(db.session.scalars(sa.select(LprRate.effective_date)))
    added = 0
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            day = date.fromisoformat(row["effective_date"])
            if day not in known:
                db.session.add(LprRate(effective_date=day, lpr_1y=Decimal(row["lpr_1y"]),
                                       lpr_5y_plus=Decimal(row["lpr_5y_plus"])))
                added += 1
    return added


def load_default_settings(path: Path = DEFAULT_SETTINGS_CSV) -> int:
    """Insert the shipped dated settings whose (key, date) is not in the table yet."""
    known = set(db.session.execute(sa.select(PolicySetting.key, PolicySetting.effective_from)))
    added = 0
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            day = date.fromisoformat(row["effective_from"])
            if (row["key"], day) not in known:
                db.session.add(PolicySetting(key=row["key"], effective_from=day, value=row["value"],
                                             comment=row["comment"]))
                added += 1
    return added


def install() -> dict[str, int]:
    """LPR, settings and bundled diagrams, in the caller's transaction."""
    counts = {"lpr": load_lpr(), "settings": load_default_settings()}
    counts["versions"] = len(deployment.deploy_bundled())
    risk_fund.ensure_fund()
    return counts

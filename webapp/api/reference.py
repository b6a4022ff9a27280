"""``GET /api/v1/reference`` (参考数据): the codes a client must send, for any signed-in user.

Townships with their villages, partner banks, purpose categories and loan kinds, each with its name
(categories and kinds in the caller's language). Read-only; the same for every role.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from forms.application import LOAN_KIND_CHOICES, PURPOSE_CATEGORIES
from models import Bank, Township, db

from . import openapi
from .base import bp
from .openapi_schemas import array, obj, ref, text


@bp.get("/reference")
def reference_lists():
    townships = db.session.scalars(sa.select(Township).options(so.selectinload(Township.villages))
                                   .order_by(Township.code))
    banks = db.session.scalars(sa.select(Bank).order_by(Bank.code))
    return {
        "townships": [{"code": t.code, "name": t.name, "villages": [named(v.code, v.name) for v in t.villages]}
                      for t in townships],
        "banks": [named(b.code, b.name) for b in banks],
        "purpose_categories": [named(code, label) for code, label in PURPOSE_CATEGORIES],
        "loan_kinds": [named(code, label) for code, label in LOAN_KIND_CHOICES],
    }


def named(code: str, name) -> dict:
    return {"code": code, "name": str(name)}


NAMED = obj(["code", "name"], code=text(), name=text(description="in the caller's language where it has one"))
openapi.EXTRA_SCHEMAS.update({
    "Named": NAMED,
    "Reference": obj(
        ["townships", "banks", "purpose_categories", "loan_kinds"],
        townships=array(obj(["code", "name", "villages"], code=text(), name=text(), villages=array(ref("Named")))),
        banks=array(ref("Named")), purpose_categories=array(ref("Named")), loan_kinds=array(ref("Named"))),
})
openapi.EXTRA_TAGS.append("reference")


@openapi.add_paths
def _paths() -> dict:
    return {"/reference": {"get": openapi.op(
        "reference_lists", "The codes to send: townships with their villages, partner banks, purpose categories "
        "(`purpose_category`), loan kinds (`kind`). Any signed-in user.",
        openapi.answer("200", "the lists, each ordered by code (categories and kinds in the form's order)",
                       "Reference"), tag="reference")}}

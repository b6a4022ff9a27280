"""``GET /api/v1/reports/{name}``: the figures behind a report page, scoped like the pages.

Same filters as the pages (``from``, ``to``, ``township``, ``bank``); the balance and overdue reports read
their balances, days past due and risk classes as of ``to`` (``filters.as_of``); money and percentages as decimal
strings, counts as integers. Readers: supervisor, finance and rural bureaus, township clerks and bank
staff (403 for others); an unknown report name is 404.
"""
from __future__ import annotations

from decimal import Decimal

from flask import request

from workflows import policy, reports
from workflows.errors import FormInvalidError
from workflows.reports.base import require_reader

from . import openapi
from .base import api_user, bp
from .messages import NO_POLICY_THEN
from .openapi_schemas import array, integer, obj, text
from .serialize import decimal


def value_json(value):
    if isinstance(value, Decimal):
        return decimal(value)
    return value


def row_json(row) -> list | None:
    return None if row is None else [value_json(v) for v in row]


@bp.get("/reports/<name>")
def report(name: str):
    user = require_reader(api_user())
    filters = reports.filters_for(name, request.args)
    try:
        result = reports.run(user, name, filters)
    except policy.MissingPolicyDataError as missing:  # a period before the settings the report needs
        raise FormInvalidError({"to": [str(NO_POLICY_THEN)]}) from missing
    return {
        "name": name, "title": reports.REPORTS[name].title, "chart_kind": reports.REPORTS[name].chart,
        "filters": {"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat(),
                    "township": filters.township, "bank": filters.bank,
                    "as_of": filters.as_of.isoformat() if reports.REPORTS[name].as_of else None},
        "columns": [{"key": c.key, "kind": c.kind} for c in result.columns],
        "rows": [row_json(row) for row in result.rows], "totals": row_json(result.totals),
        "summary": {key: value_json(value) for key, value in result.summary.items()},
        "chart": {"labels": result.chart.get("labels", []),
                  "series": {k: row_json(v) for k, v in result.chart.get("series", {}).items()}},
    }


CELL = {"nullable": True, "oneOf": [text(), integer(), {"type": "boolean"}],
        "description": "money and percentages as decimal strings, counts as integers, names as text"}
openapi.EXTRA_SCHEMAS["Report"] = obj(
    ["name", "title", "filters", "columns", "rows", "totals", "summary", "chart"],
    name=text(enum=list(reports.REPORTS)), title=text(), chart_kind=text(enum=["bar", "doughnut"]),
    filters=obj(["from", "to"], **{"from": text(format="date"), "to": text(format="date")},
                township=text(True), bank=text(True),
                as_of={**text(True, format="date"), "description": "the day the balances, days past due and risk "
                       "classes are read from the loan history (the end date `to`; null: the report has none)"}),
    columns=array(obj(["key", "kind"], key=text(), kind=text(enum=["text", "int", "money", "percent", "date"]))),
    rows=array(array(CELL)), totals={**array(CELL), "nullable": True},
    summary={"type": "object", "additionalProperties": CELL},
    chart=obj(["labels", "series"], labels=array(text()),
              series={"type": "object", "additionalProperties": array(CELL)}),
)
openapi.EXTRA_TAGS.append("reports")


@openapi.add_paths
def _paths() -> dict:
    params = [
        {"name": "name", "in": "path", "required": True, "schema": text(enum=list(reports.REPORTS))},
        openapi.query("from", openapi.DAY, "first day of the period (default: 1 January of `to`'s year; the "
                      "weekly reports: six days before `to`); not after `to` and at most 3660 days before it "
                      "(else 422)"),
        openapi.query("to", openapi.DAY, "last day of the period (default: today); the balance and overdue reports "
                      "give the balances, days past due and risk classes as the books stood that day (`as_of`)"),
        openapi.query("township", openapi.code(openapi.TOWNSHIP)), openapi.query("bank", openapi.code(openapi.BANK)),
    ]
    return {"/reports/{name}": {"get": openapi.op(
        "get_report", "A report's figures (table rows, totals, key figures, chart series), in the caller's scope",
        openapi.answer("200", "the report", "Report"), 403, 404, 422, params=params, tag="reports")}}

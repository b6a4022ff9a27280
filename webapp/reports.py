"""Reports with charts and Excel exports (报表).

``/reports`` lists the reports; ``/reports/<name>`` shows one with its filters (period, township, bank),
key figures, chart and table; ``/reports/<name>.xlsx`` exports the same figures. The supervisor, the
bureaus, township clerks and bank staff read them, each in their own scope; the administrator does not.
"""
from __future__ import annotations

import tempfile

from flask import Blueprint, Response, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models import RISK_CLASSES
from workflows import exports, loan_queries, reports
from workflows.errors import FormInvalidError
from workflows.reports import households
from workflows.reports.base import require_reader

from .auth import current_actor, roles_required
from .template_helpers import task_title

bp = Blueprint("reports", __name__, url_prefix="/reports")
ROLES = tuple(sorted(reports.REPORT_ROLES))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TITLES = {
    "balance_by_township": _l("Loans and balance by township"), "balance_by_bank": _l("Loans and balance by bank"),
    "household_rate": _l("Household loan rate"), "overdue": _l("Overdue loans and risk classes"),
    "extensions_recoveries": _l("Extensions and recoveries"),
    "risk_fund": _l("Risk fund coverage and compensation"),
    "subsidy": _l("Interest subsidy due, paid and passed on"),
    "eligible_not_borrowing": _l("Eligible households not borrowing"),
    "weekly_schedule": _l("Weekly scheduling: applications"), "weekly_tasks": _l("Weekly scheduling: tasks per step"),
}
LABELS = {
    "name": _l("Name of the township or bank"), "bank": _l("Bank"), "township": _l("Township"), "village": _l("Village"),
    "household": _l("Household"), "id_number": _l("Resident ID"), "category": _l("Category"), "age": _l("Age"),
    "step": _l("Step"), "status": _l("Status"), "settlement": _l("Quarter"),
    "disbursed_count": _l("Loans disbursed"), "disbursed_amount": _l("Amount disbursed (yuan)"),
    "outstanding_count": _l("Loans outstanding"), "outstanding_principal": _l("Principal outstanding (yuan)"),
    "listed_households": _l("Listed households"), "borrowing_households": _l("Borrowing households"),
    "household_loan_rate": _l("Household loan rate (%)"), "overdue_count": _l("Overdue loans"),
    "overdue_principal": _l("Overdue principal (yuan)"), "overdue_rate": _l("Overdue rate (%)"),
    "class_normal": _l("Normal (yuan)"), "class_special_mention": _l("Special mention (yuan)"),
    "class_substandard": _l("Substandard (yuan)"), "class_doubtful": _l("Doubtful (yuan)"),
    "class_loss": _l("Loss (yuan)"), "extended_loans": _l("Loans extended"),
    "extension_decisions": _l("Extension decisions in the period"), "recovering_loans": _l("Loans in recovery"),
    "recovery_steps": _l("Recovery steps in the period"), "recovered_loans": _l("Loans recovered"),
    "written_off_loans": _l("Loans written off"), "written_off_principal": _l("Principal written off (yuan)"),
    "covered_loans": _l("Covered loans"), "covered_balance": _l("Covered balance (yuan)"),
    "compensated_loans": _l("Loans compensated"), "compensation_paid": _l("Compensation paid (yuan)"),
    "loans": _l("Loans"), "interest_paid": _l("Interest paid (yuan)"), "subsidy_due": _l("Subsidy due (yuan)"),
    "subsidy_paid": _l("Subsidy paid (yuan)"), "subsidy_passed_on": _l("Passed on to households (yuan)"),
    "registered": _l("Applications registered"), "approved": _l("Approved"), "disbursed": _l("Disbursed"),
    "rejected": _l("Rejected"), "tasks_waiting": _l("Tasks waiting"), "tasks_overdue": _l("Tasks overdue"),
    "households": _l("Households"), "principal": _l("Principal outstanding (yuan)"),
    "fund_balance": _l("Fund balance at the end date (yuan)"), "risk_fund_ratio": _l("Ratio (covered : fund)"),
    "required_fund": _l("Fund required (yuan)"), "coverage_multiple": _l("Covered balance / fund"),
    "meets_ratio": _l("Within the ratio"),
}
VALUES = {
    "category": {"poverty_lifted": _l("Poverty-lifted"), "marginal": _l("Marginal, at risk of poverty")},
    "status": {"computed": _l("Waiting for review"), "approved": _l("Approved, not paid"),
               "paid": _l("Paid to the bank"), "confirmed": _l("Passed on to households")},
    "risk_class": {"normal": _l("Normal"), "special_mention": _l("Special mention"),
                   "substandard": _l("Substandard"), "doubtful": _l("Doubtful"), "loss": _l("Loss")},
}

# The five classes on the usual normal → loss scale: green, amber, orange, red, dark red.
RISK_CLASS_COLOURS = {"normal": "#198754", "special_mention": "#ffc107", "substandard": "#fd7e14",
                      "doubtful": "#dc3545", "loss": "#6a040f"}


def label(key: str) -> str:
    return str(LABELS.get(key, key))


def shown_rows(result: reports.ReportResult) -> list[list]:
    """The rows and the totals row with codes turned into words (step names, categories, statuses)."""
    keys = [column.key for column in result.columns]

    def word(key, value):
        if key == "step":
            return task_title(value)
        return str(VALUES[key].get(value, value)) if key in VALUES and value is not None else value

    rows = [[word(k, v) for k, v in zip(keys, row)] for row in result.rows]
    if result.totals is not None:
        rows.append([_("Total"), *result.totals[1:]])
    return rows


def chart_data(name: str, result: reports.ReportResult) -> dict:
    labels, colours = result.chart.get("labels", []), None
    if labels == list(RISK_CLASSES):
        labels = [str(VALUES["risk_class"][code]) for code in labels]
        colours = [RISK_CLASS_COLOURS[code] for code in RISK_CLASSES]
    return {"kind": reports.REPORTS[name].chart, "labels": labels, "colours": colours,
            "datasets": [{"label": label(key), "data": [float(v) for v in values]}
                         for key, values in result.chart.get("series", {}).items()]}


def _report(name: str):
    user = require_reader(current_actor().user)
    filters = reports.filters_for(name, request.args)
    try:
        return filters, reports.run(user, name, filters)
    except ValueError as bad_cursor:  # a paged report's cursor that is not one of its pages
        raise FormInvalidError({"cursor": ["not a cursor of this report"]}) from bad_cursor


@bp.get("")
@roles_required(*ROLES)
def index():
    return render_template("reports/index.html", names=list(reports.REPORTS), titles=TITLES)


@bp.get("/<name>")
@roles_required(*ROLES)
def show(name: str):
    filters, result = _report(name)
    return render_template("reports/show.html", name=name, title=TITLES[name], filters=filters, result=result,
                           as_of=reports.REPORTS[name].as_of, rows=shown_rows(result), label=label,
                           chart=chart_data(name, result),
                           choices=loan_queries.filter_choices())


@bp.get("/<name>.xlsx")
@roles_required(*ROLES)
def export(name: str):
    if name == "eligible_not_borrowing":
        return _export_eligible()
    filters, result = _report(name)
    headers = [label(column.key) for column in result.columns]
    sheets = [(str(TITLES[name]), headers, shown_rows(result))]
    facts = [(_("From"), filters.date_from), (_("To"), filters.date_to), (_("Township"), filters.township),
             (_("Bank"), filters.bank), *((label(k), v) for k, v in result.summary.items())]
    sheets.append((_("Filters"), [_("Item"), _("Value")], facts))
    filename = f"{name}_{filters.date_from}_{filters.date_to}.xlsx"
    return Response(exports.to_xlsx(sheets), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _export_eligible():
    """应贷未贷 in full: its rows read in chunks and written as they come into a temporary file
    (write-only workbook), which is sent from disk: memory stays flat for 30,000 households."""
    user = require_reader(current_actor().user)
    filters = reports.filters_for("eligible_not_borrowing", request.args)
    columns = households.ELIGIBLE_COLUMNS
    rows = (_eligible_words(row) for row in households.eligible_rows(user, filters))
    facts = [(_("From"), filters.date_from), (_("To"), filters.date_to), (_("Township"), filters.township),
             (_("Bank"), filters.bank)]
    out = tempfile.TemporaryFile()
    exports.write_xlsx([(str(TITLES["eligible_not_borrowing"]), [label(c.key) for c in columns], rows),
                        (_("Filters"), [_("Item"), _("Value")], facts)], out)
    out.seek(0)
    filename = f"eligible_not_borrowing_{filters.date_from}_{filters.date_to}.xlsx"
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=filename)


def _eligible_words(row: list) -> list:
    """A row of 应贷未贷 as the page shows it: the category in words."""
    return [*row[:4], str(VALUES["category"].get(row[4], row[4])), *row[5:]]

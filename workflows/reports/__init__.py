"""Reports (报表): each a function ``(user, filters) -> ReportResult`` of Decimals and ints, in ``REPORTS``.

The webapp draws each as a page (filters, chart, table), an Excel export and ``GET /api/v1/reports/{name}``;
it translates the column keys into headers. Every report checks its reader (``base.require_reader``)
and keeps to the reader's scope (``base.scoped_loans``).
"""
from __future__ import annotations

from models import User

from ..errors import NotFoundError
from . import finance, households, portfolio, risk, weekly
from .base import REPORT_ROLES, Column, ReportDefinition, ReportFilters, ReportResult, may_view_reports

WEEK = 7
REPORTS: dict[str, ReportDefinition] = {
    "balance_by_township": ReportDefinition("Loans and balance by township", portfolio.balance_by_township, "bar",
                                            as_of=True),
    "balance_by_bank": ReportDefinition("Loans and balance by bank", portfolio.balance_by_bank, "bar", as_of=True),
    "household_rate": ReportDefinition("Household loan rate", households.household_rate, "bar"),
    "overdue": ReportDefinition("Overdue loans and risk classes", risk.overdue, "doughnut", as_of=True),
    "extensions_recoveries": ReportDefinition("Extensions and recoveries", risk.extensions_recoveries, "bar"),
    "risk_fund": ReportDefinition("Risk fund coverage and compensation", finance.risk_fund_coverage, "bar"),
    "subsidy": ReportDefinition("Interest subsidy due, paid and passed on", finance.subsidy, "bar"),
    "eligible_not_borrowing": ReportDefinition("Eligible households not borrowing",
                                               households.eligible_not_borrowing, "bar"),
    "weekly_schedule": ReportDefinition("Weekly scheduling: applications", weekly.weekly_schedule, "bar", WEEK),
    "weekly_tasks": ReportDefinition("Weekly scheduling: tasks per step", weekly.weekly_tasks, "bar", WEEK),
}


def definition(name: str) -> ReportDefinition:
    if name not in REPORTS:
        raise NotFoundError(f"report {name}")
    return REPORTS[name]


def filters_for(name: str, args) -> ReportFilters:
    """The report's filters from query arguments (its own default period)."""
    return ReportFilters.from_args(args, definition(name).default_days)


def run(user: User, name: str, filters: ReportFilters) -> ReportResult:
    return definition(name).function(user, filters)


__all__ = ["REPORTS", "REPORT_ROLES", "Column", "ReportDefinition", "ReportFilters", "ReportResult", "definition",
           "filters_for", "may_view_reports", "run"]

"""Jinja globals and filters of the base layout: nav links, money, local times, role and status names."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from babel import support
from flask import Flask, url_for
from flask_babel import Domain, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from .extensions import babel
from .rule_messages import rule_message

ROLE_NAMES = {
    "township_clerk": _l("Township clerk"),
    "rural_bureau": _l("District rural revitalisation bureau"),
    "bank_officer": _l("Bank account manager"),
    "bank_approver": _l("Bank approver"),
    "finance_bureau": _l("District finance bureau"),
    "supervisor": _l("Supervisor / financial affairs centre"),
    "admin": _l("System administrator"),
}
STATUS_NAMES = {
    "submitted": _l("Submitted"),
    "approved": _l("Approved"),
    "active": _l("Disbursed"),
    "extended": _l("Extended"),
    "overdue": _l("Overdue"),
    "recovering": _l("In recovery"),
    "closed": _l("Repaid"),
    "written_off": _l("Written off"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}
# English names of the BPMN tasks and processes (the diagrams' own names are Chinese); unknown kinds
# show the diagram's own name.
TASK_TITLES = {
    "register_application": _l("Register application"),
    "confirm_eligibility": _l("Confirm eligibility"),
    "investigate_credit": _l("Pre-loan investigation and rating"),
    "approve_loan": _l("Loan approval"),
    "disburse_loan": _l("Contract and disbursement"),
}
PROCESS_TITLES = {
    "microcredit_loan": _l("Microcredit loan"),
    "post_loan": _l("Post-loan management"),
    "risk_fund_topup": _l("Risk compensation fund top-up"),
    "interest_subsidy_settlement": _l("Interest subsidy settlement"),
}
LOCAL_DT_PATTERN = "yyyy-MM-dd HH:mm"


class CatalogueDomain(Domain):
    """Finds ``translations/<area>/zh_CN`` catalogues.

    Flask-Babel parses ``zh_CN`` into ``zh_Hans_CN`` and looks only for that folder (and ``zh``);
    this domain also tries ``language_territory``, and merges the catalogues of every area.
    """

    def get_translations(self):
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        key = (str(locale), self.domain[0])
        if key not in self.cache:
            names = [str(locale), "_".join(p for p in (locale.language, locale.territory) if p)]
            translations = support.Translations()
            for dirname in self.translation_directories:
                translations.merge(support.Translations.load(dirname, names, self.domain[0]))
            self.cache[key] = translations
        return self.cache[key]


def nav_url(endpoint: str, **values) -> str | None:
    """The URL of ``endpoint``, or None while that page does not exist (the link is then left out)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def html_lang() -> str:
    """The current locale as an HTML language tag (``zh-CN``, ``en``)."""
    locale = get_locale()
    if locale is None:
        return "zh-CN"
    return "-".join(part for part in (locale.language, locale.territory) if part)


def money(value: Decimal | int | str | None) -> str:
    """30000 → ``30,000.00``; None → empty."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


def local_dt(value: datetime | None) -> str:
    """An aware UTC instant as ``2026-11-27 14:05`` in Asia/Shanghai (the configured time zone)."""
    if value is None:
        return ""
    return format_datetime(value, LOCAL_DT_PATTERN)


def role_name(code: str) -> str:
    return str(ROLE_NAMES.get(code, code))


def status_name(code: str) -> str:
    return str(STATUS_NAMES.get(code, code))


def task_title(name: str, fallback: str | None = None) -> str:
    return str(TASK_TITLES[name]) if name in TASK_TITLES else (fallback or name)


def process_title(key: str) -> str:
    return str(PROCESS_TITLES.get(key, key))


def register_template_helpers(app: Flask) -> None:
    babel.domain_instance = CatalogueDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    for func in (nav_url, html_lang, task_title, process_title):
        app.add_template_global(func)
    for func in (money, local_dt, role_name, status_name, rule_message):
        app.add_template_filter(func)

"""Jinja globals and filters of the base layout: nav links, money, local times, role and status names."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import support
from flask import Flask, current_app, url_for
from flask_babel import Domain, get_locale
from werkzeug.routing import BuildError

from . import labels
from .extensions import babel
from .rule_messages import rule_message

# Role, status, task and process names come from the label catalogue (labels.py).


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
                loaded = support.Translations.load(dirname, names, self.domain[0])
                if isinstance(loaded, support.Translations) and not translations.files:
                    translations.plural = loaded.plural  # the language's plural rule (Chinese: one form)
                translations.merge(loaded)
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


def figure(value):
    """A key figure: an amount in yuan and fen (two decimals) with thousands separators, others as they are."""
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent == -2:
        return money(value)
    return value


def local_dt(value: datetime | None) -> str:
    """An aware UTC instant as ``2026-11-27 14:05`` in Asia/Shanghai (the configured time zone).

    Digits only, the same in every language: formatted directly (about 2 µs) instead of through
    Babel's ``format_datetime`` (about 28 µs, a millisecond on a page of 25 rows)."""
    if value is None:
        return ""
    if value.tzinfo is None:  # as Babel reads a naive instant: UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(_zone(current_app.config["BABEL_DEFAULT_TIMEZONE"])).strftime("%Y-%m-%d %H:%M")


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def role_name(code: str) -> str:
    return labels.label("role", code)


def status_name(code: str) -> str:
    return labels.label("status", code)


def task_title(name: str, fallback: str | None = None) -> str:
    """The task's name from the catalogue; a task only a new diagram knows shows the diagram's own name."""
    return labels.label("task", name, fallback)


def process_title(key: str) -> str:
    return labels.label("process", key)


def label(kind: str, code: str) -> str:
    return labels.label(kind, code)


def lane_labels() -> dict[str, str]:
    """Role code → the name shown on a diagram's lane (the lane keeps the code for the engine)."""
    return {code: labels.label("role", code) for code in labels.ROLES}


def register_template_helpers(app: Flask) -> None:
    babel.domain_instance = CatalogueDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    for func in (nav_url, html_lang, task_title, process_title, label, lane_labels, labels.setting_label,
                 labels.setting_value):
        app.add_template_global(func)
    for func in (money, figure, local_dt, role_name, status_name, rule_message, labels.finding_detail):
        app.add_template_filter(func)

"""Language and time zone of a request: Chinese by default, English on request."""
from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import current_app, request, session
from flask_babel import get_locale
from wtforms.i18n import messages_path


def select_locale() -> str:
    chosen = session.get("lang") or request.args.get("lang")
    languages = current_app.config["LANGUAGES"]
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def wtforms_translations_once() -> None:
    """Hand Flask-WTF the WTForms messages of the request's language from a per-process cache:
    it would otherwise read and parse the catalogue file on every request that builds a form."""
    request.wtforms_translations = _wtforms_catalogue(str(get_locale()))

"""Language and time zone of a request: Chinese by default, English on request."""
from __future__ import annotations

from flask import current_app, request, session


def select_locale() -> str:
    chosen = session.get("lang") or request.args.get("lang")
    languages = current_app.config["LANGUAGES"]
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]

"""The landing page: the sign-in page for visitors, the inbox for signed-in users."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from .template_helpers import nav_url

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    inbox = nav_url("inbox.index")
    return redirect(inbox) if inbox else render_template("home/index.html")

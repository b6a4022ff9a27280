"""The business date page (业务日期) and the banner every page shows while a business date is set.

``GET /admin/clock`` shows the business and the wall clock; ``POST /admin/clock`` sets the date
(demo and test databases only: ``business_date_not_settable`` elsewhere), ``POST /admin/clock/reset``
goes back to the wall clock. Moving the date backwards is allowed and warned about.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from forms.clock import BusinessDateForm
from workflows import business_date, clock
from workflows.errors import PolicyViolationError

from ..rule_messages import rule_message
from .blueprint import bp
from .common import admin_actor


def allowed_by_config() -> bool:
    return bool(current_app.config["BUSINESS_DATE_SETTABLE"])


@bp.route("/clock", methods=["GET", "POST"])
def business_clock():
    form = BusinessDateForm()
    if form.validate_on_submit():
        try:
            change = business_date.set_date(admin_actor(), form.business_date.data,
                                            allowed_by_config=allowed_by_config())
        except PolicyViolationError as exc:
            form.business_date.errors = [*form.business_date.errors, *(str(rule_message(c)) for c in exc.codes)]
        else:
            flash(_("The business date is now %(day)s.", day=change.after.isoformat()), "success")
            if change.backwards:
                flash(_("The business date moved back from %(before)s. Timers that fired and dates recorded "
                        "since then stay as they are.", before=change.before.isoformat()), "warning")
            return redirect(url_for("admin.business_clock"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/clock.html", form=form, clock=business_date.state(allowed_by_config())), status


@bp.post("/clock/reset")
def reset_business_clock():
    business_date.reset(admin_actor())
    flash(_("The business date follows the wall clock again."), "success")
    return redirect(url_for("admin.business_clock"))


@bp.before_app_request
def _read_the_business_date_afresh() -> None:
    """One read of the stored date per request, also when an app context outlives a request (tests)."""
    clock.forget()


@bp.app_context_processor
def _business_date_banner() -> dict:
    """``business_date_banner()`` in templates: the stored business date while one is set, else None."""
    return {"business_date_banner": clock.stored_date}

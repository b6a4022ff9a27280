"""Policy settings (政策参数) and LPR publications (LPR): history lists and forms adding a dated value."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from forms.admin import LprPublicationForm, PolicySettingForm
from workflows import policy_admin
from workflows.errors import PolicyViolationError

from .. import labels
from .blueprint import bp
from .common import admin_actor, put_refusal


def _setting_choices() -> list[tuple[str, str]]:
    histories = policy_admin.setting_histories()
    return [(h.key, f"{labels.setting_label(h.key)} ({h.key})") for h in histories]


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = PolicySettingForm(keys=_setting_choices())
    if form.validate_on_submit():
        try:
            row = policy_admin.add_setting(admin_actor(), form.key.data, form.effective_from.data,
                                           form.value.data, form.comment.data)
        except PolicyViolationError as exc:
            put_refusal(form, exc)
        else:
            flash(_("%(key)s = %(value)s from %(day)s was added.", key=row.key, value=row.value,
                    day=row.effective_from.isoformat()), "success")
            return redirect(url_for("admin.settings"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/settings.html", form=form,
                           histories=policy_admin.setting_histories()), status


@bp.route("/lpr", methods=["GET", "POST"])
def lpr():
    form = LprPublicationForm()
    if form.validate_on_submit():
        try:
            row = policy_admin.publish_lpr(admin_actor(), form.effective_date.data, form.lpr_1y.data,
                                           form.lpr_5y_plus.data)
        except PolicyViolationError as exc:
            put_refusal(form, exc)
        else:
            flash(_("The LPR of %(day)s was published.", day=row.effective_date.isoformat()), "success")
            return redirect(url_for("admin.lpr"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/lpr.html", form=form, publications=policy_admin.lpr_publications()), status

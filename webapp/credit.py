"""Rating campaigns (评级授信) and the credit map (信用户/信用村/信用镇) pages.

The campaign's tasks (confirm the roster, finish rating, finish approval, publish, the bureau's
review) open on the one task page like every other task; the work behind them is done here: the
bulk rating page saves rows as the officer goes through a small JSON endpoint, and the campaign
page approves ratings in bulk (four eyes per row, enforced in ``workflows.credit_rating.ratings``).
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forms.credit_rating import OpenCampaignForm
from models import GRADES, Township, db
from workflows import clock, exports
from workflows.credit_rating import campaigns, designations, lines, queries, ratings, views
from workflows.errors import DomainError, ForbiddenError, FormInvalidError, NotFoundError

from .auth import current_actor, roles_required
from .rule_messages import rule_message

bp = Blueprint("credit", __name__, url_prefix="/credit")
READERS = ("bank_officer", "bank_approver", "township_clerk", "rural_bureau", "supervisor")
PAGE_SIZE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CODES = ("credit_line_over_grade", "not_on_roster", "rating_already_approved", "four_eyes", "invalid",
         "campaign_not_open", "not_found")


@bp.get("/campaigns")
@roles_required(*READERS)
def index():
    items = queries.campaigns_for(current_user)
    return render_template("credit/index.html", campaigns=items,
                           progress={c.id: queries.progress(c) for c in items})


@bp.route("/campaigns/new", methods=["GET", "POST"])
@roles_required("bank_officer")
def new():
    township = _township(request.values.get("township_id", type=int))
    form = OpenCampaignForm()
    form.village_ids.choices = [(v.id, v.name) for v in township.villages] if township else []
    if township is None or not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("credit/new.html", form=form, township=township,
                               townships=db.session.query(Township).order_by(Township.code).all()), status
    data = form.to_data()
    campaign = campaigns.open_campaign(current_actor(), township.id, data["village_ids"] or [], data["valid_until"])
    flash(_("Campaign opened: the township clerk confirms the roster next."), "success")
    return redirect(url_for("credit.show", campaign_id=campaign.id))


def _township(township_id: int | None) -> Township | None:
    return db.session.get(Township, township_id) if township_id else None


@bp.get("/campaigns/<int:campaign_id>")
@roles_required(*READERS)
def show(campaign_id: int):
    campaign = campaigns.campaign_for(current_user, campaign_id)
    page = max(request.args.get("page", 1, type=int), 1)
    rows = queries.roster_rows(campaign, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    return render_template("credit/show.html", campaign=campaign, progress=queries.progress(campaign), rows=rows,
                           page=page, pages=_pages(queries.progress(campaign)), open_tasks=views.open_tasks(campaign),
                           may_approve=views.may_approve(current_user, campaign))


def _pages(progress) -> int:
    return max(1, -(-(progress.roster + progress.excluded) // PAGE_SIZE))


@bp.get("/campaigns/<int:campaign_id>/rate")
@roles_required("bank_officer")
def rate(campaign_id: int):
    campaign = campaigns.campaign_for(current_user, campaign_id)
    page = max(request.args.get("page", 1, type=int), 1)
    rows = [r for r in queries.roster_rows(campaign, (page - 1) * PAGE_SIZE, PAGE_SIZE) if r.included]
    config = {"save_url": url_for("credit.save", campaign_id=campaign.id),
              "lines": {g: str(lines.credit_line_for(g)) for g in GRADES},
              "messages": {code: str(rule_message(code)) for code in CODES},
              "saved": _("Saved"), "saving": _("Saving…"), "valid_until": campaign.valid_until.isoformat()}
    return render_template("credit/rate.html", campaign=campaign, rows=rows, grades=GRADES, page=page,
                           pages=_pages(queries.progress(campaign)), config=config,
                           editable=campaign.status == "rating")


@bp.post("/campaigns/<int:campaign_id>/ratings")
@roles_required("bank_officer")
def save(campaign_id: int):
    """JSON: ``{"rows": [{household_id, grade, credit_line, valid_until?}, …]}`` → what was saved and refused."""
    rows = (request.get_json(silent=True) or {}).get("rows")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FormInvalidError({"rows": ["a list of rating rows is required"]})
    outcome = ratings.save(current_actor(), campaign_id, rows)
    return jsonify(saved=outcome.done, refused=outcome.refused)


@bp.post("/campaigns/<int:campaign_id>/approvals")
@roles_required("bank_approver")
def approve(campaign_id: int):
    """Approve the ticked ratings (``rating_id``), or all of them (``all``); form post or JSON."""
    body = request.get_json(silent=True) if request.is_json else None
    if body is not None:
        ids = body.get("rating_ids")
    else:
        ids = None if request.form.get("all") else request.form.getlist("rating_id", type=int)
    outcome = ratings.approve(current_actor(), campaign_id, ids)
    if request.is_json:
        return jsonify(approved=outcome.done, refused=outcome.refused)
    flash(_("%(approved)d ratings approved, %(refused)d refused.", approved=len(outcome.done),
            refused=len(outcome.refused)), "success" if not outcome.refused else "warning")
    for item in outcome.refused[:20]:
        flash(f"#{item['rating_id']}: " + "; ".join(str(rule_message(c)) for c in item["codes"]), "warning")
    return redirect(url_for("credit.show", campaign_id=campaign_id))


@bp.get("/townships/<int:township_id>/map")
@roles_required(*READERS)
def credit_map(township_id: int):
    result = views.credit_map(current_user, township_id, clock.today())
    return render_template("credit/map.html", result=result, chart=views.chart(result),
                           may_propose=current_user.has_role("rural_bureau"))


@bp.get("/townships/<int:township_id>/map.xlsx")
@roles_required(*READERS)
def credit_map_export(township_id: int):
    result = views.credit_map(current_user, township_id, clock.today())
    body = exports.to_xlsx(views.sheets(result))
    return Response(body, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="credit_map_{result.township.code}_{result.day}.xlsx"'})


@bp.post("/townships/<int:township_id>/designations")
@roles_required("rural_bureau")
def propose(township_id: int):
    try:
        designations.propose(current_actor(), township_id)
    except DomainError as exc:
        if isinstance(exc, (ForbiddenError, NotFoundError)):
            raise
        flash("; ".join(str(rule_message(c)) for c in exc.codes), "warning")
        return redirect(url_for("credit.credit_map", township_id=township_id))
    flash(_("Designations proposed: review them in your inbox."), "success")
    return redirect(url_for("credit.credit_map", township_id=township_id))


@bp.get("/households/<int:household_id>")
@roles_required(*READERS)
def household(household_id: int):
    item = views.household_for(current_user, household_id)
    return render_template("credit/household.html", household=item, ratings=ratings.history(item.id),
                           designations=views.household_designations(item.id))

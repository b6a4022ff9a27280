"""Sign in and out, the password page, the language switch, and the helpers other blueprints use to guard views.

``current_actor()`` is the ``Actor`` of the request; ``roles_required(*roles)`` sends anonymous
users to the sign-in page and answers 403 to users holding none of ``roles``.

A page session holds the user's session generation, the instant of sign-in and the last activity.
The user loader (one query, the one that loads the user) refuses the session when the generation
has moved on (sign-out, password change, deactivation: on every worker), when it has been idle for
``SESSION_IDLE_MINUTES`` or when ``PERMANENT_SESSION_LIFETIME`` has passed since sign-in. These
count wall time (``clock.wall_now``): a business date set ahead never ends a session.
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from forms.auth import ChangePasswordForm, LoginForm
from models import User
from workflows import accounts, clock, demo_data
from workflows.audit import Actor
from workflows.errors import FormInvalidError

from .errors import wants_json
from .extensions import login_manager
from .template_helpers import nav_url, register_template_helpers

bp = Blueprint("auth", __name__)
bp.record_once(lambda state: register_template_helpers(state.app))

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to open this page.")
login_manager.login_message_category = "warning"

GENERATION, SIGNED_IN_AT, SEEN_AT = "auth_generation", "auth_signed_in_at", "auth_seen_at"
SIGN_IN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds", GENERATION, SIGNED_IN_AT, SEEN_AT)
SEEN_EVERY = 60  # seconds: the last activity is rewritten at most this often
LOGIN_REFUSALS = {"refused": _l("Wrong username or password."),
                  "locked": _l("Too many failed attempts. Please try again later.")}
BUSY_ADDRESS = _l("Too many failed sign-ins from this computer. Please wait 15 minutes and try again.")
PASSWORD_PROBLEMS = {
    "wrong_password": _l("The current password is wrong."),
    "too_many_attempts": _l("Too many failed attempts. Please try again later."),
    "too_short": _l("The new password needs at least %(count)d characters.", count=accounts.MIN_PASSWORD_LENGTH),
    "same_as_old": _l("Choose a new password different from the current one."),
}


@bp.before_app_request
def _forget_previous_request() -> None:
    """Drop the user and locale cached on ``g``: when an app context outlives one request (the test
    fixtures hold one open), Flask reuses ``g`` and would otherwise carry them into the next request."""
    g.pop("_login_user", None)
    g.pop("_flask_babel", None)


PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "auth.set_language", "static"})


@bp.before_app_request
def _new_password_first():
    """After an administrator's password reset (or a new account), the pages wait for a new password."""
    if (request.blueprint != "api" and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS
            and current_user.is_authenticated and current_user.must_change_password):
        if wants_json():
            abort(403)
        flash(_("Please choose a new password before you go on."), "warning")
        return redirect(url_for("auth.change_password"))
    return None


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a page session that is still good (see the module docstring), else None."""
    user = accounts.user_with_roles(int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active or session.get(GENERATION) != user.session_generation:
        return _end_page_session()
    now = int(clock.wall_now().timestamp())
    if _expired(now):
        flash(_("You were signed out after a while without activity. Please sign in again."), "info")
        return _end_page_session()
    if now - session.get(SEEN_AT, 0) >= SEEN_EVERY:
        session[SEEN_AT] = now
    return user


def _expired(now: int) -> bool:
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    return now - session.get(SEEN_AT, 0) > idle or now - session.get(SIGNED_IN_AT, 0) > lifetime


def _end_page_session() -> None:
    """Forget the signed-in user of this cookie (the language and messages stay)."""
    for key in SIGN_IN_KEYS:
        session.pop(key, None)


def sign_in_limits() -> accounts.SignInLimits:
    """The sign-in throttle's numbers from the configuration (pages and API alike)."""
    config = current_app.config
    return accounts.SignInLimits(
        per_address=config["LOGIN_FAILURES_PER_ADDRESS"], per_account=config["LOGIN_FAILURES_BEFORE_LOCK"],
        period=config["LOGIN_LOCK_PERIOD"], familiar_for=config["LOGIN_FAMILIAR_ADDRESS_PERIOD"])


def current_actor() -> Actor:
    """The signed-in user (or nobody) and the client address, role not yet chosen."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return Actor(user, None, request.remote_addr)


def roles_required(*roles: str):
    """Guard a view: anonymous → sign-in page (JSON clients: 401); none of ``roles`` → 403.

    Without roles, being signed in is enough."""
    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                if wants_json():
                    abort(401)
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        return guarded
    return decorator


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def landing_url() -> str:
    return nav_url("inbox.index") or url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(landing_url())
    form = LoginForm()
    if form.validate_on_submit():
        checked = accounts.sign_in(form.username.data, form.password.data, request.remote_addr, sign_in_limits())
        if checked.outcome == "throttled":
            abort(429, description=str(BUSY_ADDRESS))
        if checked.user is not None:
            return _signed_in(checked.user)
        form.form_errors.append(LOGIN_REFUSALS[checked.outcome])
    return render_template("auth/login.html", form=form, demo_logins=_demo_logins()), 200


def _signed_in(user: User):
    """A fresh cookie (only the language carried over) stamped with the generation and the time."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user)
    session.permanent = True
    now = int(clock.wall_now().timestamp())
    session.update({GENERATION: user.session_generation, SIGNED_IN_AT: now, SEEN_AT: now})
    return redirect(safe_next(request.args.get("next")) or landing_url())


def _demo_logins() -> dict | None:
    if not current_app.config.get("SHOW_DEMO_LOGINS"):
        return None
    users = [(username, name) for username, name, *_rest in demo_data.USERS]
    return {"password": demo_data.DEMO_PASSWORD, "users": users}


@bp.post("/logout")
def logout():
    """Ends every page session of the user, on every worker (their API tokens stay)."""
    if current_user.is_authenticated:
        accounts.sign_out(current_actor())
        logout_user()
    _end_page_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required()
def change_password():
    """This session goes on with the new generation; copies of its cookie, other sessions and API tokens end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            generation = accounts.change_password(
                current_user._get_current_object(), form.old_password.data, form.new_password.data,
                ip_address=request.remote_addr, limits=sign_in_limits())
        except FormInvalidError as exc:
            for field, codes in exc.field_errors.items():
                form[field].errors.extend(str(PASSWORD_PROBLEMS.get(code, code)) for code in codes)
        else:
            session[GENERATION] = generation
            flash(_("Your password has been changed. Your other sessions and API tokens have ended."), "success")
            return redirect(landing_url())
    return render_template("auth/password.html", form=form), 422 if form.errors else 200


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(_back() or landing_url())


def _back() -> str | None:
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))

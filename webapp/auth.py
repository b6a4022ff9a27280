"""Sign in and out, the language switch, and the helpers other blueprints use to guard views.

``current_actor()`` is the ``Actor`` of the request; ``roles_required(*roles)`` sends anonymous
users to the sign-in page and answers 403 to users holding none of ``roles``.
"""
from __future__ import annotations

from collections import defaultdict, deque
from functools import wraps
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from forms.auth import LoginForm
from models import User, db
from workflows import accounts, audit, clock, demo_data
from workflows.audit import Actor

from .errors import wants_json
from .extensions import login_manager
from .template_helpers import nav_url, register_template_helpers

bp = Blueprint("auth", __name__)
bp.record_once(lambda state: register_template_helpers(state.app))

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to open this page.")
login_manager.login_message_category = "warning"

@bp.before_app_request
def _forget_previous_request() -> None:
    """Drop the user and locale cached on ``g``: when an app context outlives one request (the test
    fixtures hold one open), Flask reuses ``g`` and would otherwise carry them into the next request."""
    g.pop("_login_user", None)
    g.pop("_flask_babel", None)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


class LoginThrottle:
    """Failed sign-ins per client address and per username, kept in this process only.

    Per process on purpose: the account lock in the database is the real guard; this slows down
    one address guessing many accounts (HTTP 429) and tells a user typing one name that it is locked
    without showing whether that name exists.
    """

    def __init__(self) -> None:
        self.by_address: dict[str, deque] = defaultdict(deque)
        self.by_name: dict[str, deque] = defaultdict(deque)

    def failures(self, table: dict[str, deque], key: str, window) -> int:
        stamps, since = table[key], clock.now() - window
        while stamps and stamps[0] <= since:
            stamps.popleft()
        if not stamps:
            table.pop(key, None)
        return len(stamps)

    def fail(self, address: str, name: str) -> None:
        self.by_address[address].append(clock.now())
        self.by_name[name.casefold()].append(clock.now())

    def succeed(self, name: str) -> None:
        self.by_name.pop(name.casefold(), None)


def throttle() -> LoginThrottle:
    return current_app.extensions.setdefault("login_throttle", LoginThrottle())


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
        _refuse_busy_address()
        user = accounts.authenticate(
            form.username.data, form.password.data,
            failures_before_lock=current_app.config["LOGIN_FAILURES_BEFORE_LOCK"],
            lock_period=current_app.config["LOGIN_LOCK_PERIOD"])
        if user is not None:
            return _signed_in(user, form.username.data)
        _failed(form)
    return render_template("auth/login.html", form=form, demo_logins=_demo_logins()), 200


def _refuse_busy_address() -> None:
    limit = current_app.config.get("LOGIN_FAILURES_PER_ADDRESS", 20)
    window = current_app.config["LOGIN_LOCK_PERIOD"]
    if throttle().failures(throttle().by_address, request.remote_addr or "", window) >= limit:
        abort(429, description=_("Too many failed sign-ins from this computer. Please wait 15 minutes "
                                 "and try again."))


def _signed_in(user: User, username: str):
    throttle().succeed(username)
    login_user(user)
    session.permanent = True
    audit.record("login", Actor(user, None, request.remote_addr))
    db.session.commit()
    return redirect(safe_next(request.args.get("next")) or landing_url())


def _failed(form: LoginForm) -> None:
    username = form.username.data
    throttle().fail(request.remote_addr or "", username)
    audit.record("login_failed", Actor(None, None, request.remote_addr), comment=username[:64])
    db.session.commit()
    locked = throttle().failures(throttle().by_name, username.casefold(), current_app.config["LOGIN_LOCK_PERIOD"])
    if locked >= current_app.config["LOGIN_FAILURES_BEFORE_LOCK"]:
        form.form_errors.append(_("Too many failed attempts. Please try again later."))
    else:
        form.form_errors.append(_("Wrong username or password."))


def _demo_logins() -> dict | None:
    if not current_app.config.get("SHOW_DEMO_LOGINS"):
        return None
    users = [(username, name) for username, name, *_rest in demo_data.USERS]
    return {"password": demo_data.DEMO_PASSWORD, "users": users}


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        audit.record("logout", current_actor())
        db.session.commit()
        logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


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

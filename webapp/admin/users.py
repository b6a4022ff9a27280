"""Users and roles (用户与角色): the list, a new user, a user's page (roles, scope, name, delegations),
deactivate, reactivate, reset the password. A temporary password is shown once, on the answer of
the request that made it, and never stored in the session."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from forms.users import DelegationForm, NewUserForm, UserFilterForm, UserForm
from models import ROLES, Bank, Township, User, db
from workflows import user_admin
from workflows.errors import DomainError, FormInvalidError, NotFoundError

from ..rule_messages import rule_message
from ..template_helpers import role_name
from .blueprint import bp
from .common import admin_actor


def _roles() -> list[tuple[str, str]]:
    return [(code, role_name(code)) for code in ROLES]


def _townships() -> list[tuple[str, str]]:
    return [(t.code, t.name) for t in db.session.scalars(sa.select(Township).order_by(Township.code))]


def _banks() -> list[tuple[str, str]]:
    return [(b.code, b.name) for b in db.session.scalars(sa.select(Bank).order_by(Bank.code))]


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _put_errors(form, exc: DomainError) -> None:
    """The service's codes beside the fields they concern (the form's own list for the rest)."""
    field_errors = getattr(exc, "field_errors", None) or {"__all__": list(exc.codes)}
    for name, codes in field_errors.items():
        field = form._fields.get(name)
        messages = [str(rule_message(code)) for code in codes]
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = [*field.errors, *messages]


@bp.get("/users")
def users():
    filters = UserFilterForm(request.args, roles=_roles(), scopes=_townships() + _banks())
    filters.validate()
    active = {"yes": True, "no": False}.get(filters.active.data or "")
    rows = user_admin.list_users(user_admin.UserFilter(
        q=filters.q.data or "", role=filters.role.data or "", scope=filters.scope.data or "", active=active))
    return render_template("admin/users.html", filters=filters, users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm(roles=_roles(), townships=_townships(), banks=_banks())
    if form.validate_on_submit():
        try:
            user, password = user_admin.create_user(admin_actor(), form.username.data, form.display_name.data,
                                                    form.roles.data, form.township.data, form.bank.data)
        except (FormInvalidError, DomainError) as exc:
            _put_errors(form, exc)
        else:
            return render_template("admin/user_password.html", user=user, password=password, created=True), 201
    return render_template("admin/user_new.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    user = _user_or_404(user_id)
    form = UserForm(obj=None if request.method == "POST" else _form_data(user), roles=_roles(),
                    townships=_townships(), banks=_banks())
    if form.validate_on_submit():
        try:
            user_admin.edit_user(admin_actor(), user.username, form.display_name.data, form.roles.data,
                                 form.township.data, form.bank.data)
        except DomainError as exc:
            _put_errors(form, exc)
        else:
            flash(_("The user %(name)s was saved.", name=user.username), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return _user_page(user, form, _delegation_form(user)), 422 if form.is_submitted() else 200


def _user_page(user: User, form: UserForm, delegation_form: DelegationForm):
    return render_template("admin/user.html", user=user, form=form, delegation_form=delegation_form,
                           delegations=user_admin.delegations_of(user))


class _FormData:
    def __init__(self, user: User):
        self.display_name = user.display_name
        self.roles = sorted(user.roles)
        self.township = user.township.code if user.township else ""
        self.bank = user.bank.code if user.bank else ""


def _form_data(user: User) -> _FormData:
    return _FormData(user)


def _delegation_form(user: User, formdata=None) -> DelegationForm:
    """Stand-ins: other active users sharing one of the user's roles (the service checks the scope)."""
    candidates = [u for u in user_admin.list_users(user_admin.UserFilter(active=True))
                  if u.id != user.id and u.roles & user.roles]
    return DelegationForm(formdata=formdata, delegates=[(u.username, f"{u.display_name} ({u.username})")
                                                        for u in candidates],
                          roles=[(r, role_name(r)) for r in sorted(user.roles)])


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    user = _user_or_404(user_id)
    try:
        released = user_admin.deactivate(admin_actor(), user.username)
    except DomainError as exc:
        flash(" ".join(str(rule_message(code)) for code in exc.codes), "danger")
    else:
        flash(_("%(name)s was deactivated; %(count)d claimed task(s) went back to the pool.", name=user.username,
                count=released), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int):
    user = _user_or_404(user_id)
    user_admin.reactivate(admin_actor(), user.username)
    flash(_("%(name)s may sign in again.", name=user.username), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    password = user_admin.reset_password(admin_actor(), user.username)
    return render_template("admin/user_password.html", user=user, password=password, created=False)


@bp.post("/users/<int:user_id>/delegations")
def add_delegation(user_id: int):
    user = _user_or_404(user_id)
    delegation_form = _delegation_form(user, formdata=request.form)
    if delegation_form.validate():
        try:
            user_admin.delegate(admin_actor(), user.username, delegation_form.delegate.data,
                                delegation_form.role.data, delegation_form.starts_on.data,
                                delegation_form.ends_on.data)
        except DomainError as exc:
            _put_errors(delegation_form, exc)
        else:
            flash(_("The delegation was saved."), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    form = UserForm(obj=_form_data(user), formdata=None, roles=_roles(), townships=_townships(), banks=_banks())
    return _user_page(user, form, delegation_form), 422


@bp.post("/delegations/<int:delegation_id>/end")
def end_delegation(delegation_id: int):
    try:
        row = user_admin.end_delegation(admin_actor(), delegation_id)
    except NotFoundError:
        abort(404)
    flash(_("The delegation was ended."), "success")
    return redirect(url_for("admin.user", user_id=row.principal_id))

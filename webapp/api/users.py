"""Users and roles over the API (用户与角色接口), administrators only (403 for every other role).

``GET /users`` lists (``q``, ``role``, ``scope``: a township or bank code, ``active``); ``POST /users``
creates one and answers its temporary password once; ``PATCH /users/{id}`` changes the display name,
roles and scope; ``POST /users/{id}/deactivate`` (claimed tasks back to the pool, sessions and tokens
end), ``/reactivate``, ``/password-reset`` (a temporary password, answered once; the user must choose
a new one at the next sign-in); ``GET``/``POST /users/{id}/delegations`` and
``POST /delegations/{id}/end`` for 代理. Every change is an audit event.
"""
from __future__ import annotations

from datetime import date

from flask import request

from models import ROLES, Delegation, User, db
from workflows import user_admin
from workflows.errors import FormInvalidError, ForbiddenError, NotFoundError

from . import openapi
from .base import actor, api_user, bp
from .inputs import json_object
from .openapi_schemas import array, integer, obj, ref, text
from .serialize import instant, user_json


def administrator_only() -> None:
    if not api_user().has_role("admin"):
        raise ForbiddenError("only administrators manage users")


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"user {user_id}")
    return user


def account_json(user: User) -> dict:
    return {**user_json(user), "is_active": user.is_active, "must_change_password": user.must_change_password,
            "created_at": instant(user.created_at)}


def delegation_json(row: Delegation) -> dict:
    return {"id": row.id, "principal": row.principal.username, "delegate": row.delegate.username, "role": row.role,
            "starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(),
            "ended_at": instant(row.ended_at)}


@bp.route("/users", methods=["GET", "POST"])
def users():
    administrator_only()
    return create_user() if request.method == "POST" else list_users()


def list_users():
    active = {"true": True, "false": False}.get(request.args.get("active", ""))
    rows = user_admin.list_users(user_admin.UserFilter(
        q=request.args.get("q", ""), role=request.args.get("role", ""), scope=request.args.get("scope", ""),
        active=active))
    return {"users": [account_json(u) for u in rows]}


def create_user():
    body = json_object("NewUserInput")
    user, password = user_admin.create_user(actor(), body["username"], body.get("display_name") or "",
                                            body["roles"], body.get("township"), body.get("bank"))
    return {"user": account_json(user), "temporary_password": password}, 201


# One rule per URL for all its methods: with two, Werkzeug answers an id past the converter's maximum
# with 405 for the other method instead of 404.
@bp.route("/users/<int:user_id>", methods=["GET", "PATCH"])
def user(user_id: int):
    administrator_only()
    return update_user(user_id) if request.method == "PATCH" else {"user": account_json(_user(user_id))}


def update_user(user_id: int):
    user = _user(user_id)
    body = json_object("UserUpdateInput")
    township = body["township"] if "township" in body else (user.township.code if user.township else None)
    bank = body["bank"] if "bank" in body else (user.bank.code if user.bank else None)
    user = user_admin.edit_user(actor(), user.username, body.get("display_name") or user.display_name,
                                body.get("roles") or sorted(user.roles), township, bank)
    return {"user": account_json(user)}


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    administrator_only()
    user = _user(user_id)
    released = user_admin.deactivate(actor(), user.username)
    return {"user": account_json(user), "released_tasks": released}


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int):
    administrator_only()
    return {"user": account_json(user_admin.reactivate(actor(), _user(user_id).username))}


@bp.post("/users/<int:user_id>/password-reset")
def reset_user_password(user_id: int):
    administrator_only()
    user = _user(user_id)
    password = user_admin.reset_password(actor(), user.username)
    return {"user": account_json(user), "temporary_password": password}


@bp.route("/users/<int:user_id>/delegations", methods=["GET", "POST"])
def delegations(user_id: int):
    administrator_only()
    if request.method == "POST":
        return create_delegation(user_id)
    return {"delegations": [delegation_json(d) for d in user_admin.delegations_of(_user(user_id))]}


def create_delegation(user_id: int):
    user = _user(user_id)
    body = json_object("DelegationInput")
    row = user_admin.delegate(actor(), user.username, body["delegate"], body["role"], _day(body, "starts_on"),
                              _day(body, "ends_on"))
    return {"delegation": delegation_json(row)}, 201


@bp.post("/delegations/<int:delegation_id>/end")
def end_delegation(delegation_id: int):
    administrator_only()
    return {"delegation": delegation_json(user_admin.end_delegation(actor(), delegation_id))}


def _day(body: dict, key: str) -> date:
    try:
        return date.fromisoformat(body[key])
    except ValueError:
        raise FormInvalidError({key: ["date_out_of_range"]}) from None


ROLE = text(enum=list(ROLES))
CODE = text(True, maxLength=32, pattern=r"^[^\u0000]*$", description="a township or bank code; null for none")
ACCOUNT = obj(
    ["id", "username", "display_name", "roles", "township", "bank", "is_active", "must_change_password"],
    id=integer(), username=text(), display_name=text(), roles=array(ROLE), township=text(True), bank=text(True),
    is_active={"type": "boolean"},
    must_change_password={"type": "boolean", "description": "a temporary password waits to be replaced"},
    created_at=text(True, format="date-time"))
DELEGATION = obj(["id", "principal", "delegate", "role", "starts_on", "ends_on"],
                 id=integer(), principal=text(), delegate=text(), role=ROLE,
                 starts_on=text(format="date"), ends_on=text(format="date"),
                 ended_at=text(True, format="date-time", description="ended early by an administrator"))
ROLES_INPUT = {**array(ROLE), "description": "one or more role codes (none: 422 `invalid`)"}
openapi.EXTRA_SCHEMAS.update({
    "Account": ACCOUNT,
    "AccountAnswer": obj(["user"], user=ref("Account")),
    "AccountList": obj(["users"], users=array(ref("Account"))),
    "AccountWithPassword": obj(["user", "temporary_password"], user=ref("Account"), temporary_password=text(
        description="shown this once; the user must choose a new one at the next sign-in")),
    "AccountDeactivated": obj(["user", "released_tasks"], user=ref("Account"),
                              released_tasks=integer(description="claimed tasks that went back to the pool")),
    "NewUserInput": obj(["username", "roles"], username=text(maxLength=64, pattern=r"^[a-z0-9_.-]+$"),
                        display_name=text(maxLength=64, pattern=r"^[^\u0000]*$"), roles=ROLES_INPUT,
                        township=CODE, bank=CODE),
    "UserUpdateInput": obj(display_name=text(maxLength=64, pattern=r"^[^\u0000]*$"), roles=ROLES_INPUT,
                           township=CODE, bank=CODE),
    "Delegation": DELEGATION,
    "DelegationAnswer": obj(["delegation"], delegation=ref("Delegation")),
    "DelegationList": obj(["delegations"], delegations=array(ref("Delegation"))),
    "DelegationInput": obj(["delegate", "role", "starts_on", "ends_on"],
                           delegate=text(maxLength=64, description="user name of the stand-in"), role=ROLE,
                           starts_on=openapi.DAY, ends_on=openapi.DAY),
})
openapi.EXTRA_TAGS.append("users")

SCOPE_RULES = ("422 `user_scope_mismatch` when the scope does not fit the roles (township clerks a township, "
               "bank staff a bank, district roles none, one scope per user); `invalid` for a taken or malformed "
               "user name or an unknown role.")


@openapi.add_paths
def _paths() -> dict:
    user_id = openapi.path_id("user_id")
    account = openapi.answer("200", "the user", "AccountAnswer")
    return {
        "/users": {
            "get": openapi.op("list_users", "Users and their roles (administrators)",
                              openapi.answer("200", "the users, by user name", "AccountList"), 403, tag="users",
                              params=[openapi.query("q", openapi.free_text(), "part of a user name or display name"),
                                      openapi.query("role", ROLE), openapi.query("scope", openapi.code("scope"),
                                                                                 "a township or bank code"),
                                      openapi.query("active", text(enum=["true", "false"]))]),
            "post": openapi.op("create_user", "Create a user with a temporary password (administrators)",
                               openapi.answer("201", "created; the password is shown this once",
                                              "AccountWithPassword"), 403, 422, body="NewUserInput", tag="users",
                               description=SCOPE_RULES),
        },
        "/users/{user_id}": {
            "get": openapi.op("get_user", "One user (administrators)", account, 403, 404, params=[user_id],
                              tag="users"),
            "patch": openapi.op("update_user", "Change display name, roles and scope (administrators)", account,
                                403, 404, 422, body="UserUpdateInput", params=[user_id], tag="users",
                                description=SCOPE_RULES + " 422 `cannot_remove_own_admin`. Claimed tasks the "
                                                          "user may no longer do go back to the pool."),
        },
        "/users/{user_id}/deactivate": {"post": openapi.op(
            "deactivate_user", "Deactivate: claimed tasks back to the pool, sessions and tokens end",
            openapi.answer("200", "deactivated", "AccountDeactivated"), 403, 404, 422, params=[user_id],
            tag="users", description="422 `cannot_deactivate_self`.")},
        "/users/{user_id}/reactivate": {"post": openapi.op(
            "reactivate_user", "Reactivate a deactivated user", account, 403, 404, params=[user_id], tag="users")},
        "/users/{user_id}/password-reset": {"post": openapi.op(
            "reset_user_password", "A temporary password; the user must choose a new one at the next sign-in",
            openapi.answer("200", "the password, shown this once", "AccountWithPassword"), 403, 404,
            params=[user_id], tag="users")},
        "/users/{user_id}/delegations": {
            "get": openapi.op("list_delegations", "Delegations (代理) of a user, as principal or stand-in",
                              openapi.answer("200", "newest first", "DelegationList"), 403, 404, params=[user_id],
                              tag="users"),
            "post": openapi.op("create_delegation", "A colleague stands in for the user for a period",
                               openapi.answer("201", "created", "DelegationAnswer"), 403, 404, 422,
                               body="DelegationInput", params=[user_id], tag="users",
                               description="Business dates, both inclusive. 422 `delegate_not_eligible` (not "
                                           "another active user of the same role and township or bank), "
                                           "`delegation_period_invalid` (end before start, already over, or "
                                           "longer than a year)."),
        },
        "/delegations/{delegation_id}/end": {"post": openapi.op(
            "end_delegation", "End a delegation now", openapi.answer("200", "ended", "DelegationAnswer"), 403, 404,
            params=[openapi.path_id("delegation_id")], tag="users")},
    }

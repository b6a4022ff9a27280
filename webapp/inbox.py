"""The inbox (待办): ready tasks of the user's role and scope, with claim (one or several), give back,
hand over, search, order, and the navigation's count badge."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from forms.inbox import ClaimSelectedForm, InboxFilterForm, ReassignForm
from models import HumanTask
from workflows import clock, keyset
from workflows.errors import ClaimedByColleagueError, ConcurrentUpdateError, FormInvalidError
from workflows.tasks import access, claims, delegations, inbox

from .auth import current_actor, roles_required
from .rule_messages import field_messages, rule_message
from .template_helpers import local_dt, money, process_title, task_title

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
PAGE_SIZE = 25
LINK_ARGS = ("view", "task", "township", "overdue", "q", "sort", "cursor")  # what every inbox link keeps
BADGE_CAP = 99
_ID_MARK = 987654321987  # stands for a task id in a URL built once per page (``_task_url``)


def waiting_time(task, now: datetime | None = None) -> str:
    """How long the task has waited, e.g. 2 天 / 2 days."""
    return format_timedelta((now or clock.now()) - task.created_at, threshold=1.0)


@dataclass(frozen=True)
class Line:
    """One task of the page with its texts and URLs worked out once: the table and the phone cards
    show both (no macro, ``url_for`` or clock per row in the template)."""

    task: HumanTask  # its columns in ``inbox.BRIEF``
    loan: str  # "#123", or "" for a task without a loan
    household: str
    amount: str
    subject: str  # a task without a loan: its process (and a settlement's quarter)
    township: str
    bank: str
    assignee: str
    href: str
    title: str
    due: str
    due_state: str  # "overdue", "soon" or ""
    waiting: str
    stand_in: str  # 代理: the colleague the user stands in for on this task, or ""
    action: str  # the row's button: "claim", "give_back" or ""
    action_url: str
    hand_over_url: str  # "" when the task cannot be handed over from this page


@dataclass(frozen=True)
class _Page:
    """What every line of one page shares: the instant, the user, the tab's rules and the URL makers."""

    now: datetime
    user_id: int
    read_only: bool
    stand_ins: dict[int, str]
    colleagues: dict[int, list]
    show: Callable[[int], str]
    claim: Callable[[int], str]
    unclaim: Callable[[int], str]
    reassign: Callable[[int], str]


def _task_url(endpoint: str, **values) -> Callable[[int], str]:
    """``url_for(endpoint, task_id=…, **values)`` for every row of a page: built once, each task's id
    put in its place (the mark is the first number of the URL: its path comes before its query)."""
    head, _mark, tail = url_for(endpoint, task_id=_ID_MARK, **values).partition(str(_ID_MARK))
    return lambda task_id: f"{head}{task_id}{tail}"


def _line(row, page: _Page) -> Line:
    task, loan = row.HumanTask, row.Loan
    stand_in = page.stand_ins.get(task.id, "")
    action = _action(task, stand_in, page)
    return Line(task, f"#{loan.id}" if loan else "", row.Household.name if loan else "",
                money(loan.amount) if loan else "", "" if loan else _subject(row), row.township_name or "",
                row.bank_name or "", row.assignee_name or "", page.show(task.id),
                task_title(task.name, task.title), local_dt(task.due_at), _due_state(task, page.now),
                waiting_time(task, page.now), stand_in, action,
                page.claim(task.id) if action == "claim" else page.unclaim(task.id) if action else "",
                page.reassign(task.id) if page.colleagues.get(task.id) else "")


def _action(task: HumanTask, stand_in: str, page: _Page) -> str:
    """认领 a task nobody holds (or one held by the colleague the user stands in for), 退回 one's own."""
    if page.read_only:
        return ""
    if task.assignee_id is None or stand_in:
        return "claim"
    return "give_back" if task.assignee_id == page.user_id else ""


def _subject(row) -> str:
    """What a task without a loan is about: its process, and a subsidy settlement's quarter."""
    subject = process_title(row.process_key or "")
    if row.subsidy_year:
        subject += " · " + _("%(year)d Q%(quarter)d", year=row.subsidy_year, quarter=row.subsidy_quarter)
    return subject


def _due_state(task: HumanTask, now: datetime) -> str:
    return "overdue" if inbox.is_overdue(task, now) else "soon" if inbox.is_due_soon(task, now) else ""


@bp.app_template_global()
def inbox_badge() -> str:
    """The navigation's 待办 count: tasks available to the signed-in user, "99+" above 99, "" for none.

    One COUNT per page; the inbox's own page reuses its per-kind counts instead."""
    if not current_user.is_authenticated:
        return ""
    if "inbox_count" not in g:
        g.inbox_count = inbox.count_available(current_user, up_to=BADGE_CAP + 1)
    return "" if not g.inbox_count else f"{BADGE_CAP}+" if g.inbox_count > BADGE_CAP else str(g.inbox_count)


@bp.before_app_request
def _forget_the_count() -> None:
    g.pop("inbox_count", None)


@bp.get("")
@roles_required()
def index():
    view = _view()
    stand_ins = delegations.stand_ins(current_user)  # 代理: looked up once for the whole page
    counts = inbox.counts_by_task(current_user, view, up_to=keyset.CAP + 1, stand_ins=stand_ins)  # the first 1,001
    waiting = sum(counts.values())
    g.inbox_count = waiting if view == "available" else \
        inbox.count_available(current_user, up_to=BADGE_CAP + 1, stand_ins=stand_ins)  # the badge, no second COUNT
    names = sorted({*counts, *inbox.task_names(current_user, view)})
    filters = InboxFilterForm(request.args, tasks=[(n, task_title(n)) for n in names],
                              townships=inbox.township_choices() if current_user.township_id is None else [])
    sort = inbox.normalized_sort(request.args.get("sort"))
    cursor = request.args.get("cursor") or None
    search = dict(view=view, task_name=filters.task.data or None, township_id=filters.township_id(),
                  overdue_only=bool(filters.overdue.data), q=filters.search_text(), sort=sort, limit=PAGE_SIZE,
                  view_size=waiting, stand_ins=stand_ins, brief=True)
    filtered = any(search[key] for key in ("task_name", "township_id", "overdue_only", "q"))
    try:
        page = inbox.inbox_page(current_user, cursor=cursor, count=filtered, **search)
    except ValueError:  # a cursor of another order, or none at all: the first page
        cursor, page = None, inbox.inbox_page(current_user, count=filtered, **search)
    if not filtered:  # the whole view: the per-kind counts already hold its capped count
        page.total, page.total_capped = min(waiting, keyset.CAP), waiting > keyset.CAP
    rows = page.items
    args = _ordered({**_link_args(), "view": view, "sort": None if sort == "due" else sort, "cursor": cursor})
    read_only = view in ("all", "team")
    shared = _Page(clock.now(), current_user.id, read_only,
                   inbox.stand_in_names(current_user, [row.HumanTask for row in rows], stand_ins),
                   _colleague_choices(rows) if _may_hand_over(view) else {},
                   _task_url("tasks.show"), *(_task_url(f"inbox.{action}", **args)
                                              for action in ("claim", "unclaim", "reassign")))
    return render_template(
        "inbox/index.html", lines=[_line(row, shared) for row in rows], view=view, counts=counts, filters=filters,
        page=page, capped=waiting > keyset.CAP, sort=sort, reassign_form=ReassignForm(),
        colleagues=shared.colleagues, read_only=read_only, link=partial(_link, args), args=args)


def _may_hand_over(view: str) -> bool:
    """Hand-over forms: in one's own views, and in the team view for a supervisor or an administrator."""
    return view in ("available", "mine") or (view == "team" and bool(current_user.roles & access.OVERSEERS))


def _view() -> str:
    """The tab asked for; supervisors start on every task, others on their available tasks."""
    view = request.args.get("view")
    if view in inbox.VIEWS:
        return view
    return "all" if inbox.may_view_all(current_user) else "available"


def _link_args() -> dict:
    return _ordered(request.args)


def _ordered(args) -> dict:
    """The inbox's arguments in one order (stable links), blank ones left out."""
    return {key: args[key] for key in LINK_ARGS if args.get(key) not in (None, "")}


def _link(args: dict, **changes) -> str:
    """The inbox URL with ``args`` changed by ``changes`` (None drops one); any change but paging
    starts again on the first page."""
    merged = {**args, **changes}
    if "cursor" not in changes:
        merged.pop("cursor", None)
    return url_for("inbox.index", **_ordered(merged))


def _colleague_choices(rows) -> dict[int, list[tuple[str, str]]]:
    """Per task id, the colleagues it can be handed to (one query per role and scope, not per row):
    neither oneself nor the colleague who already holds it."""
    by_scope: dict[tuple, list] = {}
    choices = {}
    for row in rows:
        task = row.HumanTask
        key = inbox.colleague_scope(task)
        if key not in by_scope:
            by_scope[key] = [(u.id, u.username, u.display_name) for u in claims.colleagues(task)]
        choices[task.id] = [(name, label) for user_id, name, label in by_scope[key]
                            if user_id not in (current_user.id, task.assignee_id)]
    return choices


@bp.post("/claim")
@roles_required()
def claim_selected():
    """认领所选: each ticked task claimed in its own transaction; says how many, and why others were not."""
    form = ClaimSelectedForm()
    if not form.validate():
        for message in form.task_ids.errors:
            flash(str(message), "warning")
        return redirect(_back())
    results = claims.claim_many(current_actor(), form.task_ids.data)
    claimed = sum(1 for refusal in results.values() if refusal is None)
    if claimed:
        flash(_("Tasks claimed: %(count)d. They are now in “Claimed by me”.", count=claimed), "success")
    for message in _refusal_messages(results):
        flash(message, "warning")
    return redirect(_back())


def _refusal_messages(results: dict) -> list[str]:
    """One line per refused task: the task (if the user may read it) and the rule's message."""
    refused = {task_id: error for task_id, error in results.items() if error is not None}
    tasks = inbox.readable_tasks(current_user, refused) if refused else {}
    lines = []
    for task_id, error in refused.items():
        task = tasks.get(task_id)
        name = task_title(task.name, task.title) if task else _("Task %(id)d", id=task_id)
        if task is not None and task.loan_id:
            name = _("%(task)s of loan #%(loan)d", task=name, loan=task.loan_id)
        code = error.codes[0] if error.codes else "forbidden"
        lines.append(_("Not claimed: %(task)s. %(reason)s", task=name, reason=rule_message(code)))
    return lines


@bp.post("/tasks/<int:task_id>/claim")
@roles_required()
def claim(task_id: int):
    return _change(claims.claim, task_id, _("Task claimed: it is now in “Claimed by me”."))


@bp.post("/tasks/<int:task_id>/unclaim")
@roles_required()
def unclaim(task_id: int):
    return _change(claims.unclaim, task_id, _("Task given back to your colleagues."))


@bp.post("/tasks/<int:task_id>/reassign")
@roles_required()
def reassign(task_id: int):
    """The service checks role and scope first (403), then the colleague chosen (a message)."""
    form = ReassignForm()
    return _change(claims.reassign, task_id, _("Task handed over."), form.to_username.data or "")


def _change(service, task_id: int, done: str, *args):
    """Run a claim service; a lost race or a refused colleague is a message, not an error page."""
    try:
        service(current_actor(), task_id, *args)
    except (ConcurrentUpdateError, ClaimedByColleagueError):
        flash(_("A colleague took or handed over this task a moment ago."), "warning")
    except FormInvalidError as exc:
        for messages in field_messages(_claim_messages(exc.field_errors)).values():
            for message in messages:
                flash(message, "danger")
    else:
        flash(done, "success")
    return redirect(_back())


def _claim_messages(field_errors: dict) -> dict:
    known = {"unknown_user": _("No active user has this name."),
             "not_in_scope": _("That colleague does not hold this task's role in its township or bank."),
             "four_eyes": _("That colleague did an earlier step of this case, so four eyes keeps them from this task.")}
    return {field: [known.get(code, code) for code in codes] for field, codes in field_errors.items()}


def _back() -> str:
    """The inbox as the user left it: the buttons post to URLs that carry its filters."""
    return url_for("inbox.index", **_link_args())

"""Versions of a process (with the diff against the previous one, open drafts, deploy) and the
migration of running instances between versions (dry run first, then the move)."""
from __future__ import annotations

from flask import flash, render_template
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from forms.admin import DeployForm, MigrationForm
from webapp.rule_messages import rule_message
from webapp.template_helpers import task_title
from workflows import drafts, loan_queries, migration, versions
from workflows.errors import PolicyViolationError

from .blueprint import bp
from .common import admin_actor, process_or_404


@bp.get("/processes/<process_key>/versions", endpoint="versions")
def versions_page(process_key: str):
    process_or_404(process_key)
    rows = versions.versions(process_key)
    diffs = {row.id: versions.changes(older.sources, row.sources) for row, older in zip(rows, rows[1:])}
    return render_template("admin/versions.html", process_key=process_key, versions=rows, diffs=diffs,
                           drafts=drafts.open_drafts(process_key), deploy_form=DeployForm(),
                           change_words=CHANGE_WORDS)


# Why a loan may or may not move (MigrationCheck.code), in the reader's language.
CHECK_REASONS = {
    "no_instance": _l("No such process instance."),
    "other_process": _l("This loan runs another process."),
    "same_version": _l("Already on version %(target)s."),
    "not_running": _l("The process of this loan is not running any more."),
    "changed": _l("Version %(target)s changed steps this loan has already gone through: %(tasks)s."),
    "can_move": _l("Can move from version %(version)s to version %(target)s."),
}


def check_reason(check) -> str:
    """The check's reason in words, task names by their titles (the English reason for an unknown code)."""
    message = CHECK_REASONS.get(check.code)
    if message is None:
        return check.reason
    params = dict(check.params)
    separator = "、" if str(get_locale() or "").startswith("zh") else ", "
    names = params.get("task_names", {})
    params["tasks"] = separator.join(str(task_title(name, names.get(name))) for name in params.get("tasks", []))
    return str(message) % params


# The words of the version diff (版本差异): the kind of element, the kind of change, the field.
CHANGE_WORDS = {
    "what": {"task": _l("Task"), "event": _l("Event"), "gateway": _l("Gateway"), "flow": _l("Flow"),
             "lane": _l("Lane"), "message": _l("Message"), "decision": _l("Decision table"),
             "input": _l("Table input"), "output": _l("Table output"), "rule": _l("Table row")},
    "kind": {"added": _l("added"), "removed": _l("removed"), "changed": _l("changed")},
    "field": {"name": _l("name"), "documentation": _l("documentation"), "annotation": _l("annotation"),
              "lane": _l("lane"), "form": _l("form"), "form_fields": _l("form fields"),
              "due_period": _l("due period"), "four_eyes_with": _l("four eyes with"), "condition": _l("condition"),
              "script": _l("script"), "type": _l("element type"), "default": _l("default flow"),
              "sourceRef": _l("from"), "targetRef": _l("to"), "calledElement": _l("called process"),
              "calledDecisionId": _l("decision"), "cancelActivity": _l("interrupting"),
              "timerEventDefinition": _l("timer"), "messageEventDefinition": _l("message"),
              "hitPolicy": _l("hit policy"), "expression": _l("expression"), "variable": _l("variable"),
              "typeRef": _l("type"), "position": _l("row"), "loan_status": _l("loan status")},
}



def _migration_form(process_key: str, running) -> MigrationForm:
    choices = [(v.id, _("Version %(v)s", v=v.version)) for v in versions.versions(process_key)]
    instances = [(row.id, str(row.id)) for row in running]
    form = MigrationForm(versions=choices, instances=instances)
    if form.target_version.data is None and choices:
        form.target_version.data = choices[0][0]
    return form


@bp.route("/processes/<process_key>/migration", methods=["GET", "POST"], endpoint="migration")
def migration_page(process_key: str):
    process_or_404(process_key)
    running = migration.running_instances(process_key)
    form = _migration_form(process_key, running)
    checks, status = None, 200
    if form.is_submitted():
        if form.validate():
            # a dry run with nothing ticked checks every listed loan (it changes nothing);
            # a move takes only what is ticked, and nothing ticked is refused
            ids = form.instance_ids.data or ([] if form.migrate.data else [row.id for row in running])
            try:
                checks = _run(form, ids)
            except PolicyViolationError as exc:
                form.form_errors.extend(str(rule_message(code)) for code in exc.codes)
                status = 422
        else:
            status = 422
    steps = {row.id: [t.name for t in loan_queries.open_tasks(row.loan_id)] if row.loan_id else [] for row in running}
    return render_template("admin/migration.html", process_key=process_key, running=running, steps=steps,
                           form=form, checks=checks or [], check_of={c.instance_id: c for c in checks or []},
                           moved=bool(form.migrate.data and checks), check_reason=check_reason), status


def _run(form: MigrationForm, ids: list[int]):
    target = form.target_version.data
    if form.migrate.data:
        checks = migration.migrate(admin_actor(), ids, target)
        moved = sum(1 for check in checks if check.ok)
        flash(_("%(moved)s of %(total)s loans moved; the others stay where they are.", moved=moved,
                total=len(checks)), "success" if moved else "warning")
        return checks
    return migration.plan_migration(ids, target)

"""Versions of a process (with the diff against the previous one, open drafts, deploy) and the
migration of running instances between versions (dry run first, then the move)."""
from __future__ import annotations

from flask import flash, render_template
from flask_babel import gettext as _

from forms.admin import DeployForm, MigrationForm
from workflows import drafts, loan_queries, migration, versions

from .blueprint import bp
from .common import admin_actor, process_or_404


@bp.get("/processes/<process_key>/versions", endpoint="versions")
def versions_page(process_key: str):
    process_or_404(process_key)
    rows = versions.versions(process_key)
    diffs = {row.id: versions.version_diff(older.sources, row.sources) for row, older in zip(rows, rows[1:])}
    return render_template("admin/versions.html", process_key=process_key, versions=rows, diffs=diffs,
                           drafts=drafts.open_drafts(process_key), deploy_form=DeployForm())



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
            ids = form.instance_ids.data or [row.id for row in running]
            checks = _run(form, ids)
        else:
            status = 422
    steps = {row.id: [t.name for t in loan_queries.open_tasks(row.loan_id)] if row.loan_id else [] for row in running}
    return render_template("admin/migration.html", process_key=process_key, running=running, steps=steps,
                           form=form, checks=checks or [], check_of={c.instance_id: c for c in checks or []},
                           moved=bool(form.migrate.data and checks)), status


def _run(form: MigrationForm, ids: list[int]):
    target = form.target_version.data
    if form.migrate.data:
        checks = migration.migrate(admin_actor(), ids, target)
        moved = sum(1 for check in checks if check.ok)
        flash(_("%(moved)s of %(total)s loans moved; the others stay where they are.", moved=moved,
                total=len(checks)), "success" if moved else "warning")
        return checks
    return migration.plan_migration(ids, target)

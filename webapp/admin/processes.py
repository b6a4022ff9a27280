"""Process pages: the list of processes and the diagram editor of a draft (bpmn-js modeler).

The editor talks JSON: save (with the revision it started from; 409 with what changed when stale),
validate and test run (on the sources as they are in the browser). Deploy is a plain form.
"""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from forms.admin import DeployForm
from workflows import deployment, drafts, validation
from workflows.validation import DiagramInvalidError
from workflows.errors import ConcurrentUpdateError

from .blueprint import bp
from . import test_scripts
from .common import PROCESS_KEYS, admin_actor, editor_config, known_forms, load_draft, process_or_404


@bp.get("")
def index():
    processes = [(key, next(iter(deployment.versions(key)), None)) for key in PROCESS_KEYS]
    return render_template("admin/index.html", processes=processes)


@bp.post("/processes/<process_key>/drafts")
def new_draft(process_key: str):
    process_or_404(process_key)
    draft = drafts.create_draft(admin_actor(), process_key, request.form.get("based_on_version", type=int))
    flash(_("Draft %(id)s was created.", id=draft.id), "success")
    return redirect(url_for("admin.draft", draft_id=draft.id))


@bp.get("/drafts/<int:draft_id>")
def draft(draft_id: int):
    loaded = load_draft(draft_id)
    file = _bpmn_file(loaded, request.args.get("file"))
    return render_editor("admin/modeler.html", loaded, file, DeployForm())


def render_editor(template: str, loaded, file: str, deploy_form, problems=None, status: int = 200):
    config = editor_config(loaded, file, problems)
    return render_template(template, draft=loaded, file=file, config=config, deploy_form=deploy_form,
                           based_on=loaded.based_on), status


def _bpmn_file(loaded, asked: str | None) -> str:
    files = sorted(name for name in loaded.sources if name.endswith(".bpmn"))
    if asked:
        if asked not in files:
            abort(404)
        return asked
    marker = f'id="{loaded.process_key}"'
    return next((name for name in files if marker in loaded.sources[name]), files[0] if files else abort(404))


def json_sources() -> dict[str, str]:
    """The ``sources`` of a JSON body: file name -> XML text, nothing else (400 otherwise)."""
    body = request.get_json(silent=True)
    sources = body.get("sources") if isinstance(body, dict) else None
    if not isinstance(sources, dict) or not sources or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in sources.items()):
        abort(400)
    return sources


@bp.post("/drafts/<int:draft_id>")
def save(draft_id: int):
    load_draft(draft_id)
    sources = json_sources()
    revision = request.get_json().get("revision")
    if not isinstance(revision, int):
        abort(400)
    try:
        saved = drafts.save_draft(admin_actor(), draft_id, sources, revision)
    except ConcurrentUpdateError as exc:
        message = _("Not saved: someone else saved this draft first. Nothing was overwritten.")
        return jsonify(codes=["stale"], message=f"{message} {exc}", errors={}), 409
    except DiagramInvalidError as exc:
        message = _("Not saved: the diagram contains something the system refuses (see the marked elements).")
        return jsonify(codes=["diagram_invalid"], message=message, problems=exc.problems), 422
    return jsonify(revision=saved.revision, updated_at=saved.updated_at.isoformat(),
                   unchanged=saved.revision == revision)


@bp.post("/drafts/<int:draft_id>/validate")
def validate(draft_id: int):
    """The validation's problems; a valid draft is also test-run, and a run that does not get
    through is a problem on the element where it stopped ("no problems found" means both pass)."""
    loaded, sources = load_draft(draft_id), json_sources()
    problems = validation.problems(loaded.process_key, sources, known_forms())
    if not problems:
        problems = test_scripts.run_problems(test_scripts.run(loaded.process_key, sources))
    return jsonify(problems=problems)


@bp.post("/drafts/<int:draft_id>/test-run")
def test_run(draft_id: int):
    loaded = load_draft(draft_id)
    return jsonify(test_scripts.report_json(test_scripts.run(loaded.process_key, json_sources())))


@bp.post("/drafts/<int:draft_id>/deploy")
def deploy(draft_id: int):
    loaded = load_draft(draft_id)
    form = DeployForm()
    if not form.validate_on_submit():
        return render_editor("admin/modeler.html", loaded, _bpmn_file(loaded, None), form, status=422)
    try:
        version = drafts.deploy_draft(admin_actor(), draft_id, form.comment.data, known_forms())
    except DiagramInvalidError as exc:
        flash(_("The draft was not deployed: fix the problems marked on the diagram."), "danger")
        return render_editor("admin/modeler.html", loaded, _bpmn_file(loaded, None), form, exc.problems, 422)
    flash(_("Version %(v)s of %(key)s is deployed: new loans start on it.", v=version.version,
            key=version.process_key), "success")
    return redirect(url_for("admin.versions", process_key=version.process_key))

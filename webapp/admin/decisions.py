"""Decision tables (决策表): dmn-js's modeler on one DMN file of a draft.

Saving and validating use the draft's JSON endpoints (``processes.save`` / ``processes.validate``):
the page posts the whole set of sources with its file replaced, so tables and diagrams are one draft.
"""
from __future__ import annotations

from flask import abort, request

from forms.admin import DeployForm

from .blueprint import bp
from .common import load_draft
from .processes import render_editor


@bp.get("/drafts/<int:draft_id>/decisions")
def decisions(draft_id: int):
    draft = load_draft(draft_id)
    files = sorted(name for name in draft.sources if name.endswith(".dmn"))
    file = request.args.get("file") or (files[0] if files else None)
    if file not in files:
        abort(404)
    return render_editor("admin/decisions.html", draft, file, DeployForm())

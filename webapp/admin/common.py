"""What every admin view shares: the admin actor, the processes one may edit, refusal messages."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from forms.diagram import check_form_fields
from forms.registry import TASK_FORMS
from models import db
from models.drafts import ProcessDraft
from workflows.audit import Actor
from workflows.deployment import BUNDLED_PROCESSES
from workflows.validation import FormCatalog

PROCESS_KEYS = BUNDLED_PROCESSES
REFUSALS = {
    "date_exists": _l("A value with this date exists already. Past values stay as they are."),
    "date_before_newest": _l("This date is before the newest value. Past values stay as they are: "
                             "choose a later date."),
    "not_a_number": _l("This setting needs a number, 0 or more."),
    "share_over_one": _l("A share lies between 0 and 1."),
    "unknown_setting": _l("Unknown setting."),
    "value_required": _l("This field is required."),
    "rate_out_of_range": _l("A rate in percent, above 0 and below 100."),
}


def admin_actor() -> Actor:
    """The signed-in administrator acting in the admin role."""
    return Actor(current_user._get_current_object(), "admin", request.remote_addr)


def put_refusal(form, exc) -> None:
    """Show a service's refusal codes beside the form fields they concern."""
    for field_name, codes in exc.field_errors.items():
        field = getattr(form, field_name, None)
        messages = [str(REFUSALS.get(code, code)) for code in codes]
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = [*field.errors, *messages]


def process_or_404(process_key: str) -> str:
    if process_key not in PROCESS_KEYS:
        abort(404)
    return process_key


def load_draft(draft_id: int) -> ProcessDraft:
    """The draft, or 404 (a deployed draft stays readable; saving it is the service's business)."""
    draft = db.session.get(ProcessDraft, draft_id)
    if draft is None:
        abort(404)
    return draft


def known_forms() -> FormCatalog:
    """The registered form names with the checker of forms defined in a diagram (``form_fields``),
    for the validation (also on deploy, through ``drafts.deploy_draft``)."""
    return FormCatalog(TASK_FORMS, check_form_fields)


EDITOR_MESSAGES = {
    "saved": _l("Saved: revision"), "conflict": _l("Someone else saved this draft meanwhile. Nothing was overwritten."),
    "failed": _l("The draft was not saved."), "valid": _l("No problems found."),
    "invalid": _l("Problems found: see the list and the marked elements."), "no_lane": _l("(no lane)"),
    "choose_form": _l("(choose a form)"),
    # unsaved edits (admin_draft_edits.js)
    "unsaved": _l("Unsaved changes: save the draft to keep them."),
    "kept_edits": _l("Unsaved changes of this draft are kept from before: save the draft to keep them."),
    "switch_confirm": _l("This file has unsaved changes. Switch files? The changes stay here until you save "
                         "or close the browser tab."),
    "unchanged": _l("Nothing changed since the last save: nothing to save."),
    # the field list of a form defined in the diagram (form_fields)
    "field_name": _l("Name (task data key)"), "field_zh": _l("Chinese label"),
    "field_en": _l("English label (optional)"), "field_type": _l("Type"), "field_required": _l("Required"),
    "type_text": _l("Text"), "type_textarea": _l("Long text"), "type_integer": _l("Whole number"),
    "type_money": _l("Amount (yuan)"), "type_date": _l("Date"), "type_choice": _l("Choice"),
    "type_yesno": _l("Yes / no"),
    "min_length": _l("Fewest characters"), "max_length": _l("Most characters"),
    "min_value": _l("Minimum"), "max_value": _l("Maximum"),
    "min_date": _l("Earliest date"), "max_date": _l("Latest date"),
    "field_choices": _l("Choices, one per line: value=Chinese label, optionally |English label; e.g. pass=通过|Pass"),
    "move_up": _l("Move up"), "move_down": _l("Move down"), "remove_field": _l("Remove the field"),
    # four eyes (four_eyes_with): why a ticked name is not one of the offered tasks
    "four_eyes_missing": _l("not a user task of these diagrams"), "four_eyes_self": _l("this task itself"),
}


def editor_config(draft: ProcessDraft, file: str, problems: dict | None = None) -> dict:
    """What the editor scripts read from the page (a JSON block, never inline script)."""
    return {
        "file": file, "sources": draft.sources, "revision": draft.revision, "forms": sorted(TASK_FORMS),
        "problems": problems or {}, "csrf": generate_csrf(),
        "urls": {"save": url_for("admin.save", draft_id=draft.id),
                 "validate": url_for("admin.validate", draft_id=draft.id),
                 "test_run": url_for("admin.test_run", draft_id=draft.id)},
        "messages": {key: str(text) for key, text in EDITOR_MESSAGES.items()},
    }

"""The inbox's filter bar, its claim-the-selected form and its hand-over form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from .fields import REQUIRED, LongSelect, as_choices

VIEW_CHOICES = [("available", _l("Available")), ("mine", _l("Claimed by me")), ("team", _l("My team")),
                ("all", _l("All tasks"))]
MAX_CLAIMED_AT_ONCE = 100


class InboxFilterForm(FlaskForm):
    """GET filters: the tab, the task kind, the township (district and bank roles), overdue only and
    the search text (the loan list's search: a name from its start, the last 4 characters of the
    resident ID, a loan or contract number). The order (``sort``) is chosen by the column headers and
    kept by the view."""

    class Meta:
        csrf = False

    view = SelectField(_l("View"), choices=as_choices(VIEW_CHOICES), validate_choice=False)
    task = SelectField(_l("Task"), choices=[], validate_choice=False)
    township = SelectField(_l("Township"), choices=[], coerce=lambda v: int(v) if v else None,
                           validate_choice=False, widget=LongSelect())
    overdue = BooleanField(_l("Overdue only"))
    q = StringField(_l("Search"), validators=[Length(max=64)],
                    render_kw={"placeholder": _l("Name, last 4 of the resident ID, loan or contract number")})

    def __init__(self, *args, tasks=(), townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.task.choices = as_choices([("", _l("All kinds")), *tasks])
        self.township.choices = as_choices([("", _l("All townships")), *townships])

    def township_id(self) -> int | None:
        return self.township.data if isinstance(self.township.data, int) else None

    def search_text(self) -> str | None:
        """The search text, None when blank or too long to be any of the things searched."""
        text = (self.q.data or "").strip()
        return text if 0 < len(text) <= 64 else None


def _not_too_many(form, field) -> None:
    if len(field.data or []) > MAX_CLAIMED_AT_ONCE:
        raise ValidationError(_l("Claim at most %(max)d tasks at once.", max=MAX_CLAIMED_AT_ONCE))


class ClaimSelectedForm(FlaskForm):
    """认领所选: the ids of the ticked tasks."""

    task_ids = SelectMultipleField(_l("Tasks"), choices=None, coerce=int, validate_choice=False,
                                   validators=[DataRequired(_l("Tick the tasks to claim first.")), _not_too_many])


class ReassignForm(FlaskForm):
    """Hand a task to a colleague of the same role and scope."""

    to_username = SelectField(_l("Hand over to"), choices=[], validate_choice=False,
                              validators=[DataRequired(REQUIRED)])

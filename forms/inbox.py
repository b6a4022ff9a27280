"""The inbox's filter bar and its hand-over form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from .fields import REQUIRED, as_choices

VIEW_CHOICES = [("available", _l("Available")), ("mine", _l("Claimed by me")), ("all", _l("All tasks"))]


class InboxFilterForm(FlaskForm):
    """GET filters: the tab, the task kind, the township (district and bank roles) and overdue only."""

    class Meta:
        csrf = False

    view = SelectField(_l("View"), choices=as_choices(VIEW_CHOICES), validate_choice=False)
    task = SelectField(_l("Task"), choices=[], validate_choice=False)
    township = SelectField(_l("Township"), choices=[], coerce=lambda v: int(v) if v else None,
                           validate_choice=False)
    overdue = BooleanField(_l("Overdue only"))

    def __init__(self, *args, tasks=(), townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.task.choices = as_choices([("", _l("All kinds")), *tasks])
        self.township.choices = as_choices([("", _l("All townships")), *townships])

    def township_id(self) -> int | None:
        return self.township.data if isinstance(self.township.data, int) else None


class ReassignForm(FlaskForm):
    """Hand a task to a colleague of the same role and scope."""

    to_username = SelectField(_l("Hand over to"), choices=[], validate_choice=False,
                              validators=[DataRequired(REQUIRED)])

"""The business date form (业务日期): the administrator's page and ``PUT /api/v1/clock`` alike."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import InputRequired

from .fields import REQUIRED

__all__ = ["BusinessDateForm"]


class BusinessDateForm(FlaskForm):
    """The day the whole application works on until it is changed (the time of day follows the wall clock)."""

    business_date = DateField(_l("Business date"), validators=[InputRequired(REQUIRED)],
                              render_kw={"type": "date"})

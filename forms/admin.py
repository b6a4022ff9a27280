"""Administrator forms: policy settings, LPR publications, deployment comments, instance migration.

Choices that come from the database (setting keys, versions, instances) are set by the view.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .fields import REQUIRED, as_choices
from .validators import MaxDecimals

__all__ = ["PolicySettingForm", "LprPublicationForm", "DeployForm", "MigrationForm"]

AT_MOST = _l("At most %(max)d characters.")


class PolicySettingForm(FlaskForm):
    """A new dated value of one policy setting; the value is text, checked per key by the service."""

    key = SelectField(_l("Setting"), choices=[], validators=[DataRequired(REQUIRED)])
    effective_from = DateField(_l("In force from"), validators=[InputRequired(REQUIRED)],
                               render_kw={"type": "date"})
    value = StringField(_l("Value"), filters=[lambda v: v.strip() if v else v],
                        validators=[DataRequired(REQUIRED), Length(max=200, message=AT_MOST)])
    comment = StringField(_l("Reason or document"), validators=[Optional(), Length(max=200, message=AT_MOST)])

    def __init__(self, *args, keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.key.choices = as_choices(keys)


def _rate(label):
    return DecimalField(label, places=4, validators=[InputRequired(REQUIRED), MaxDecimals(4)])


class LprPublicationForm(FlaskForm):
    """One LPR publication (贷款市场报价利率): its date, the 1-year and the 5-year-plus rate in percent."""

    effective_date = DateField(_l("Publication date"), validators=[InputRequired(REQUIRED)],
                               render_kw={"type": "date"})
    lpr_1y = _rate(_l("1-year LPR (%)"))
    lpr_5y_plus = _rate(_l("5-year-plus LPR (%)"))


class DeployForm(FlaskForm):
    """Deploy a draft as a new version; the comment says what changed and why."""

    comment = StringField(_l("What changed and why"),
                          validators=[DataRequired(REQUIRED), Length(max=500, message=AT_MOST)])


class MigrationForm(FlaskForm):
    """Move waiting instances to another version: a dry run first, then the move."""

    target_version = SelectField(_l("Target version"), choices=[], coerce=int,
                                 validators=[InputRequired(REQUIRED)])
    instance_ids = SelectMultipleField(_l("Loans"), choices=[], coerce=int,
                                       option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    dry_run = SubmitField(_l("Dry run"))
    migrate = SubmitField(_l("Migrate"))

    def __init__(self, *args, versions=(), instances=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.target_version.choices = as_choices(versions)
        self.instance_ids.choices = as_choices(instances)

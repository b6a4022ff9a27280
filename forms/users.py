"""Administrator forms for users and roles (用户与角色): the list's filters, a user's roles and scope,
and a delegation (代理). Scope codes and role choices are set by the view; whether the scope fits
the roles is the service's rule (``workflows.user_admin``, ``user_scope_mismatch``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .fields import REQUIRED, as_choices

__all__ = ["UserFilterForm", "UserForm", "NewUserForm", "DelegationForm"]

AT_MOST = _l("At most %(max)d characters.")
ANY = ("", _l("(any)"))
NONE = ("", _l("(none)"))


class UserFilterForm(FlaskForm):
    """检索: part of a user name or display name, a role, a township or bank, active or not."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=64, message=AT_MOST)])
    role = SelectField(_l("Role"), choices=[], validators=[Optional()])
    scope = SelectField(_l("Township or bank"), choices=[], validators=[Optional()])
    active = SelectField(_l("State"), choices=[], validators=[Optional()])

    def __init__(self, *args, roles=(), scopes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = as_choices([ANY, *roles])
        self.scope.choices = as_choices([ANY, *scopes])
        self.active.choices = as_choices([ANY, ("yes", _l("Active")), ("no", _l("Deactivated"))])


class UserForm(FlaskForm):
    """编辑用户: display name, several roles, one scope (a township or a bank)."""

    display_name = StringField(_l("Name"), filters=[lambda v: v.strip() if v else v],
                               validators=[DataRequired(REQUIRED), Length(max=64, message=AT_MOST)])
    roles = SelectMultipleField(_l("Roles"), choices=[], validators=[DataRequired(REQUIRED)],
                                option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    township = SelectField(_l("Township (township clerks)"), choices=[], validators=[Optional()])
    bank = SelectField(_l("Bank (bank staff)"), choices=[], validators=[Optional()])

    def __init__(self, *args, roles=(), townships=(), banks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = as_choices(roles)
        self.township.choices = as_choices([NONE, *townships])
        self.bank.choices = as_choices([NONE, *banks])


class NewUserForm(UserForm):
    """新建用户: a user name on top (the password is a temporary one the service makes)."""

    username = StringField(_l("User name"), filters=[lambda v: v.strip().lower() if v else v],
                           validators=[DataRequired(REQUIRED), Length(max=64, message=AT_MOST)],
                           render_kw={"autocomplete": "off"})


class DelegationForm(FlaskForm):
    """代理: who stands in, for which role, from and to which business date (inclusive)."""

    delegate = SelectField(_l("Stand-in"), choices=[], validators=[DataRequired(REQUIRED)])
    role = SelectField(_l("Role"), choices=[], validators=[DataRequired(REQUIRED)])
    starts_on = DateField(_l("From"), validators=[InputRequired(REQUIRED)], render_kw={"type": "date"})
    ends_on = DateField(_l("To"), validators=[InputRequired(REQUIRED)], render_kw={"type": "date"})

    def __init__(self, *args, delegates=(), roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.delegate.choices = as_choices(delegates)
        self.role.choices = as_choices(roles)

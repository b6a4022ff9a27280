"""Forms of the post-loan tasks (贷后管理): visits, maturity reminder and review, extension, recovery.

``to_data()`` returns typed task data: ``bool`` for yes/no, ``datetime.date`` dates, codes as text.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from .fields import REQUIRED, RadioChoiceField, TaskForm, YesNoField, as_choices
from .validators import RequiredIf

AT_MOST = _l("At most %(max)d characters.")
MATURITY_DECISIONS = [("extend", _l("Request an extension")), ("recover", _l("Start recovery"))]
RECOVERY_OUTCOMES = [("recovered", _l("Recovered")), ("malicious", _l("Malicious default")),
                     ("loss", _l("Loss"))]


def note(label, *validators):
    return TextAreaField(label, validators=[*validators, Length(max=500, message=AT_MOST)])


class PostLoanVisitForm(TaskForm):
    """贷后走访: is the money used for the household's own production? Misuse leads to recall."""

    used_for_production = YesNoField(_l("Money used for production"), validators=[InputRequired(REQUIRED)])
    visit_note = note(_l("Visit note"), RequiredIf("used_for_production", "no",
                                                   message=_l("Say what the money was used for.")))


class MaturityReminderForm(TaskForm):
    """到期提醒: the officer has told the household that the loan falls due."""

    household_informed = YesNoField(_l("Household informed"), validators=[InputRequired(REQUIRED)])
    extension_requested = YesNoField(_l("The household asks for an extension"), default="no")
    reminder_note = note(_l("Note"))


class SuperviseVisitForm(TaskForm):
    """走访督办: the visit is overdue; the township's clerks or the bank officer say what is being done."""

    supervision_note = note(_l("What is being done about the overdue visit"), DataRequired(REQUIRED))


class MaturityReviewForm(TaskForm):
    """到期审查: the loan is due and not repaid in full: request an extension or start recovery."""

    maturity_decision = RadioChoiceField(_l("Decision"), choices=as_choices(MATURITY_DECISIONS),
                                         validators=[InputRequired(REQUIRED)])
    review_note = note(_l("Note"))


class RequestExtensionForm(TaskForm):
    """申请展期: the new maturity date (within the policy's longest extension) and why."""

    new_maturity_date = DateField(_l("New maturity date"), validators=[InputRequired(REQUIRED)])
    extension_reason = note(_l("Reason for the extension"), DataRequired(REQUIRED))


class ApproveExtensionForm(TaskForm):
    """展期审批: approve or refuse; never by the officer who requested it."""

    extension_approved = YesNoField(_l("Extension approved"), validators=[InputRequired(REQUIRED)])
    extension_comment = note(_l("Comment"), RequiredIf("extension_approved", "no",
                                                       message=_l("Give the reason for refusing.")))


class RecoverLoanForm(TaskForm):
    """清收处置: the bank's collection outcome, confirmed by the township afterwards."""

    recovery_outcome = RadioChoiceField(_l("Recovery outcome"), choices=as_choices(RECOVERY_OUTCOMES),
                                        validators=[InputRequired(REQUIRED)])
    recovery_note = note(_l("Recovery note"), DataRequired(REQUIRED))


class ConfirmRecoveryForm(TaskForm):
    """乡镇确认清收: the township confirms the bank's outcome or sends it back."""

    recovery_confirmed = YesNoField(_l("Outcome confirmed"), validators=[InputRequired(REQUIRED)])
    confirmation_note = note(_l("Note"), RequiredIf("recovery_confirmed", "no",
                                                    message=_l("Say why the outcome is not confirmed.")))


__all__ = ["ApproveExtensionForm", "ConfirmRecoveryForm", "MaturityReminderForm", "MaturityReviewForm",
           "PostLoanVisitForm", "RecoverLoanForm", "RequestExtensionForm", "SuperviseVisitForm"]

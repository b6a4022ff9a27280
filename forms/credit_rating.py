"""Forms of the rating campaign (评级授信) and the designation review (信用户村镇审定), and of the
campaign pages: opening a campaign, one row of the bulk rating page.

``__all__`` lists the task forms (the diagrams name them).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .fields import REQUIRED, DataForm, TaskForm, YesNoField
from .loan_tasks import AT_MOST

__all__ = ["ApproveRatingsForm", "ConfirmRosterForm", "PublishRatingsForm", "RateHouseholdsForm",
           "ReviewDesignationsForm"]


def remarks():
    return TextAreaField(_l("Remarks"), validators=[Length(max=500, message=AT_MOST)])


class ConfirmRosterForm(TaskForm):
    """核对花名册: the township clerk confirms the campaign's roster."""

    roster_confirmed = YesNoField(_l("The roster is checked and correct"), validators=[InputRequired(REQUIRED)])
    comment = remarks()


class RateHouseholdsForm(TaskForm):
    """逐户评级授信: done once every household of the roster is rated on the bulk page."""

    comment = remarks()


class ApproveRatingsForm(TaskForm):
    """审批评级结果: done once every rating is approved on the campaign page."""

    comment = remarks()


class PublishRatingsForm(TaskForm):
    """公示评级结果: the approved ratings are published to the township."""

    comment = remarks()


class ReviewDesignationsForm(TaskForm):
    """审定信用户村镇: the bureau publishes the proposed designations with its decision date."""

    decided_on = DateField(_l("Decision date"), validators=[InputRequired(REQUIRED)])
    comment = remarks()


class OpenCampaignForm(DataForm):
    """开展评级授信: the villages of the officer's chosen township (none chosen: all of them)."""

    village_ids = SelectMultipleField(_l("Villages"), coerce=int, validators=[Optional()])
    valid_until = DateField(_l("Ratings valid until"), validators=[Optional()])

"""Forms of the finance bureau's tasks: risk-fund top-up, subsidy settlement review and payment.

``__all__`` lists the task forms (the diagrams name them); ``FundDepositForm`` is the ledger
entry form of the fund page, not a task form.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from .fields import REQUIRED, ChoiceField, DataForm, RadioChoiceField, TaskForm, YesNoField, as_choices
from .loan_tasks import AT_MOST, money
from .validators import RequiredIf

REVIEW_DECISIONS = [("approve", _l("Approve the list")), ("recompute", _l("Recompute from the latest repayments"))]
ENTRY_KINDS = [("deposit", _l("Deposit")), ("interest", _l("Interest earned"))]


def voucher(label=None):
    return StringField(label or _l("Voucher number"), validators=[
        DataRequired(REQUIRED), Length(max=64, message=AT_MOST)])


def comment_field(*validators):
    return TextAreaField(_l("Remarks"), validators=[*validators, Length(max=500, message=AT_MOST)])


class RecordTopupForm(TaskForm):
    """补充风险补偿金: the top-up paid into the fund's account."""

    amount = money(_l("Amount (yuan)"), InputRequired(REQUIRED))
    topped_up_on = DateField(_l("Paid in on"), validators=[InputRequired(REQUIRED)])
    voucher_number = voucher()
    comment = comment_field()


class ReviewOverdueTopupForm(TaskForm):
    """督办逾期补充: the supervisor's review of an overdue top-up."""

    comment = comment_field(DataRequired(_l("Say what was done about the overdue top-up.")))


class ReviewSubsidySettlementForm(TaskForm):
    """审核贴息清单: approve the per-loan list, or have it recomputed."""

    decision = RadioChoiceField(_l("Decision"), choices=as_choices(REVIEW_DECISIONS),
                                validators=[InputRequired(REQUIRED)])
    comment = comment_field()


class RecordSubsidyPaymentForm(TaskForm):
    """登记贴息拨付: the payment into the bank's special account."""

    paid_on = DateField(_l("Paid to the bank on"), validators=[InputRequired(REQUIRED)])
    voucher_number = voucher()


class ConfirmSubsidyPassedOnForm(TaskForm):
    """确认贴息到户: the bank confirms the subsidy reached the households."""

    confirmed_on = DateField(_l("Passed on to households on"), validators=[InputRequired(REQUIRED)])
    comment = comment_field()


class ClaimCompensationForm(TaskForm):
    """风险补偿代偿: the finance bureau confirms the loss; the fund then pays its share."""

    loss_confirmed = YesNoField(_l("Loss confirmed"), validators=[InputRequired(REQUIRED)])
    comment = comment_field(RequiredIf("loss_confirmed", "no", message=_l("Say why the loss is not confirmed.")))


class FundDepositForm(DataForm):
    """A deposit into the fund or interest the fund's account earned (not a task form)."""

    kind = ChoiceField(_l("Kind"), choices=as_choices(ENTRY_KINDS), validators=[InputRequired(REQUIRED)])
    amount = money(_l("Amount (yuan)"), InputRequired(REQUIRED))
    occurred_on = DateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    voucher_number = StringField(_l("Voucher number"), validators=[Length(max=64, message=AT_MOST)])
    comment = comment_field()


__all__ = ["ClaimCompensationForm", "ConfirmSubsidyPassedOnForm", "RecordSubsidyPaymentForm", "RecordTopupForm",
           "ReviewOverdueTopupForm", "ReviewSubsidySettlementForm"]

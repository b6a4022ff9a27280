"""The forms of the user tasks of ``microcredit_loan`` after registration.

Each ``to_data()`` returns the task data the services expect: ``Decimal`` money and rates, ``int``
months, ``bool`` for yes/no, ``datetime.date`` dates and ``None`` for an unused optional field.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from models import GRADES

from .application import CHOOSE
from .fields import REQUIRED, ChoiceField, RadioChoiceField, TaskForm, YesNoField, as_choices
from .validators import AtLeast, FitsStorage, MaxDecimals, Positive, RequiredIf

AT_MOST = _l("At most %(max)d characters.")
AT_LEAST_ONE_MONTH = _l("At least one month.")
DECISIONS = [("approve", _l("Approve")), ("reject", _l("Reject")), ("return", _l("Return for more investigation"))]


def money(label, *validators):
    return DecimalField(label, places=2, validators=[*validators, MaxDecimals(2), Positive(),
                                                     FitsStorage(FitsStorage.MONEY)])


def months(label, *validators):
    return IntegerField(label, validators=[*validators, AtLeast(1, AT_LEAST_ONE_MONTH),
                                           FitsStorage(FitsStorage.MONTHS)])


class ConfirmEligibilityForm(TaskForm):
    """确认资格: the bureau confirms the household's identity and list status; a refusal needs a reason."""

    eligible = YesNoField(_l("Eligible"), validators=[InputRequired(REQUIRED)])
    eligibility_note = TextAreaField(_l("Note"), validators=[
        RequiredIf("eligible", "no", message=_l("Say why the household is not eligible.")),
        Length(max=500, message=AT_MOST)])


class InvestigateCreditForm(TaskForm):
    """贷前调查与评级: the officer's rating and recommendation (DMN ``credit_line`` caps the amount)."""

    grade = ChoiceField(_l("Credit grade"), choices=as_choices([CHOOSE, *((g, g) for g in GRADES)]),
                        validators=[InputRequired(REQUIRED)])
    recommended_amount = money(_l("Recommended amount (yuan)"), InputRequired(REQUIRED))
    recommended_term_months = months(_l("Recommended term (months)"), InputRequired(REQUIRED))
    investigation_report = TextAreaField(_l("Investigation report"), validators=[
        DataRequired(REQUIRED), Length(max=2000, message=AT_MOST)])


class ApproveLoanForm(TaskForm):
    """贷款审批: approve with terms, or reject / return with a comment."""

    decision = RadioChoiceField(_l("Decision"), choices=as_choices(DECISIONS), validators=[InputRequired(REQUIRED)])
    approved_amount = money(_l("Approved amount (yuan)"), RequiredIf("decision", "approve"))
    approved_term_months = months(_l("Approved term (months)"), RequiredIf("decision", "approve"))
    annual_rate = money(_l("Annual rate (%)"), RequiredIf("decision", "approve"))
    approval_comment = TextAreaField(_l("Comment"), validators=[
        RequiredIf("decision", "reject", "return", message=_l("Give the reason for rejecting or returning.")),
        Length(max=500, message=AT_MOST)])

    def to_data(self) -> dict:
        data = super().to_data()
        if data["decision"] != "approve":
            data.update(approved_amount=None, approved_term_months=None, annual_rate=None)
        return data


class DisburseLoanForm(TaskForm):
    """签约放款: the signed contract, the disbursement date and the household's account."""

    contract_number = StringField(_l("Contract number"), validators=[
        DataRequired(REQUIRED), Length(max=64, message=AT_MOST)])
    disbursed_on = DateField(_l("Disbursed on"), validators=[InputRequired(REQUIRED)])
    account_number = StringField(_l("Account number"), filters=[lambda v: v.replace(" ", "") if v else v],
                                 validators=[DataRequired(REQUIRED), Regexp(
                                     r"^\d{8,32}$", message=_l("Digits only, 8 to 32 of them."))])


__all__ = ["ApproveLoanForm", "ConfirmEligibilityForm", "DisburseLoanForm", "InvestigateCreditForm"]

"""The forms of the user tasks of ``microcredit_loan`` after registration.

Each ``to_data()`` returns the task data the services expect: ``Decimal`` money and rates, ``int``
months, ``bool`` for yes/no, ``datetime.date`` dates and ``None`` for an unused optional field.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

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


FULL_PATH = ("no", None)  # no valid rating confirmed: the full investigation
INVESTIGATION_DECISIONS = [("proceed", _l("Proceed with the rating")),  # 受理
                           ("decline", _l("Decline the application"))]  # 不予受理
RATING_FIELDS = ("rating_still_valid", "grade", "recommended_amount", "recommended_term_months", "investigation_report")


class InvestigateCreditForm(TaskForm):
    """贷前调查与评级: the officer's rating and recommendation (DMN ``credit_line`` caps the amount).

    A household with a valid rating that covers the amount takes the short path: the officer only
    confirms that nothing has changed (``rating_still_valid``); grade, amount, term and report then
    come from the rating and the application (``workflows.loan_steps.InvestigateCredit``)."""

    investigation_decision = RadioChoiceField(_l("Outcome"), choices=as_choices(INVESTIGATION_DECISIONS),
                                              default="proceed", validators=[Optional()])
    decline_reason = TextAreaField(_l("Reason for declining"), validators=[
        RequiredIf("investigation_decision", "decline", message=_l("Give the reason for declining.")),
        Length(max=500, message=AT_MOST)])
    rating_still_valid = YesNoField(_l("Valid rating, nothing has changed since"))
    grade = ChoiceField(_l("Credit grade"), choices=as_choices([CHOOSE, *((g, g) for g in GRADES)]),
                        validators=[RequiredIf("rating_still_valid", *FULL_PATH, message=REQUIRED)])
    recommended_amount = money(_l("Recommended amount (yuan)"), RequiredIf("rating_still_valid", *FULL_PATH))
    recommended_term_months = months(_l("Recommended term (months)"), RequiredIf("rating_still_valid", *FULL_PATH))
    investigation_report = TextAreaField(_l("Investigation report"), validators=[
        RequiredIf("rating_still_valid", *FULL_PATH, message=REQUIRED), Length(max=2000, message=AT_MOST)])

    def validate(self, extra_validators=None) -> bool:
        """不予受理 (``decline``) needs only its reason: the rating fields are then neither required nor kept."""
        valid = super().validate(extra_validators)
        if self.investigation_decision.data != "decline":
            return valid
        for name in RATING_FIELDS:
            self[name].errors = []
        return not any(field.errors for field in self)

    def to_data(self) -> dict:
        data = super().to_data()
        data["investigation_decision"] = data.get("investigation_decision") or "proceed"
        if data["investigation_decision"] == "decline":
            return {key: value for key, value in data.items() if key not in RATING_FIELDS}
        data.pop("decline_reason", None)
        if data["rating_still_valid"] is None:  # no rating offered: the full investigation's data only
            del data["rating_still_valid"]
        return data


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

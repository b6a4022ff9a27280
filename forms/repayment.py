"""The repayment form (还款登记) used by the loan page and the API.

Not a task form: the registry reads only loan_tasks / post_loan / finance, so nothing is listed in
``__all__`` on purpose. ``to_data()`` gives ``{"paid_on": date, "principal": Decimal, "interest":
Decimal}``; the service checks the amounts against what the loan owes.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, HiddenField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from .fields import REQUIRED, DataForm
from .validators import FitsStorage, MaxDecimals

__all__: list[str] = []


class NotNegative:
    """Zero or more (a repayment may pay principal only or interest only)."""

    def __call__(self, form, field) -> None:
        if field.data is not None and field.data < 0:
            raise ValidationError(_l("Must not be negative."))


def amount(label):
    return DecimalField(label, places=2, validators=[InputRequired(REQUIRED), MaxDecimals(2), NotNegative(),
                                                     FitsStorage(FitsStorage.MONEY)])


class RepaymentForm(DataForm):
    """还款登记: the day the bank received the money and how it splits into principal and interest."""

    paid_on = DateField(_l("Paid on"), validators=[InputRequired(REQUIRED)])
    principal = amount(_l("Principal repaid (yuan)"))
    interest = amount(_l("Interest paid (yuan)"))
    # The page's own key: a double submit of the same page records the repayment once.
    idempotency_key = HiddenField(validators=[Optional(), Length(max=64)])

    def to_data(self) -> dict:
        return {"paid_on": self.paid_on.data, "principal": self.principal.data, "interest": self.interest.data}

"""登记申请: the township clerk's application form (user task ``register_application``)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation
from wtforms.widgets import HiddenInput

from models import Bank, db

from .fields import REQUIRED, ChoiceField, DataForm, RadioChoiceField, as_choices
from .validators import AtLeast, FitsStorage, MaxDecimals, Positive, ResidentId, compact_resident_id

# Every category is offered, the non-productive ones too: the DMN ``loan_policy`` refuses those
# with ``purpose_not_productive``, so the clerk sees the rule, not a missing option.
PURPOSE_CATEGORIES = [
    ("planting", _l("Planting")),  # 种植
    ("breeding", _l("Breeding")),  # 养殖
    ("processing", _l("Farm produce processing")),  # 农产品加工
    ("commerce", _l("Self-employed business / trade")),  # 个体经营/商贸
    ("rural_tourism", _l("Rural tourism")),  # 乡村旅游
    ("wedding", _l("Weddings and funerals")),  # 婚丧嫁娶
    ("housing", _l("Building or buying a house")),  # 建房购房
    ("wealth_management", _l("Wealth management, investment")),  # 理财投资
    ("consumer", _l("Household consumption")),  # 生活消费
    ("enterprise", _l("Shares in a company / household loan used by a company")),  # 入股企业/户贷企用
]
LOAN_KIND_CHOICES = [
    ("new", _l("New loan")),  # 新增
    ("additional", _l("Additional loan")),  # 追加
    ("renewal", _l("Renewal")),  # 续贷
]
CHOOSE = ("", _l("— choose —"))


class TypedOrChosen:
    """The household picked in the look-up (``household_id``, its masked ID shown) needs no typed ID."""

    def __call__(self, form, field) -> None:
        if form.household_id.data:
            field.errors[:] = []
            raise StopValidation()


class RegisterApplicationForm(DataForm):
    """A household's application: who, which bank, how much, how long, for what."""

    household_id = IntegerField(widget=HiddenInput(), validators=[Optional()])  # picked in the look-up (户查询)
    id_number = StringField(_l("Applicant's resident ID"), filters=[compact_resident_id],
                            validators=[TypedOrChosen(), DataRequired(REQUIRED), ResidentId()],
                            description=_l("Type the name or the last digits of the ID to look the household up."))
    bank = ChoiceField(_l("Bank"), validators=[InputRequired(REQUIRED)])
    amount = DecimalField(_l("Amount (yuan)"), places=2,
                          validators=[InputRequired(REQUIRED), MaxDecimals(2), Positive(), FitsStorage(FitsStorage.MONEY)])
    term_months = IntegerField(_l("Term (months)"), validators=[
        InputRequired(REQUIRED), AtLeast(1, _l("At least one month.")), FitsStorage(FitsStorage.MONTHS)])
    purpose_category = ChoiceField(_l("Purpose category"), choices=as_choices([CHOOSE, *PURPOSE_CATEGORIES]),
                                   validators=[InputRequired(REQUIRED)])
    purpose = TextAreaField(_l("Purpose"), validators=[
        DataRequired(REQUIRED), Length(max=500, message=_l("At most %(max)d characters."))])
    kind = RadioChoiceField(_l("Loan kind"), choices=as_choices(LOAN_KIND_CHOICES), default="new",
                            validators=[DataRequired(REQUIRED)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        banks = db.session.execute(sa.select(Bank.code, Bank.name).order_by(Bank.id)).all()
        self.bank.choices = as_choices([CHOOSE, *((code, name) for code, name in banks)])


class WithdrawApplicationForm(DataForm):
    """撤回申请: the household withdrew its application; the clerk records why."""

    reason = TextAreaField(_l("Why the household withdrew"), validators=[
        DataRequired(REQUIRED), Length(max=500, message=_l("At most %(max)d characters."))])

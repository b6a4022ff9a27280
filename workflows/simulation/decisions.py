"""What the simulated people decide (模拟决策), all drawn from one seeded ``random.Random``.

A household's application, a loan's fate (how it is repaid, what happens at maturity, how a
recovery ends) and each task's answers by task name. A task's answers are a list of alternatives:
the first is what the person wants; when the policy refuses it (``PolicyViolationError``) the next
one is tried, as a clerk or officer would change their decision after the refusal.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta

from models import HumanTask, Loan

from .. import policy
from ..credit_rating import ratings
from ..tasks import facts
from .settings import Settings

CREDIT_LINES = {"AAA": Decimal("50000"), "AA": Decimal("40000"), "A": Decimal("30000")}  # DMN credit_line
PURPOSES = {"planting": "种植柑橘", "breeding": "养殖生猪", "processing": "农产品加工", "commerce": "个体经营小卖部",
            "rural_tourism": "乡村旅游农家乐"}
FLAWS = ({"amount": Decimal("60000.00")}, {"term_months": 48}, {"purpose_category": "wedding", "purpose": "婚嫁"})
DELAYS = {  # task name -> (fewest, most) days before the person acts on it
    "confirm_eligibility": (0, 2), "investigate_credit": (0, 3), "approve_loan": (0, 2), "disburse_loan": (0, 3),
    "post_loan_visit": (0, 5), "maturity_reminder": (0, 3), "maturity_review": (0, 2), "request_extension": (0, 1),
    "approve_extension": (0, 2), "recover_loan": (15, 45), "confirm_recovery": (1, 5), "claim_compensation": (3, 10),
    "record_topup": (3, 20), "review_overdue_topup": (0, 2), "review_subsidy_settlement": (3, 10),
    "record_subsidy_payment": (2, 7), "confirm_subsidy_passed_on": (1, 5),
    "confirm_roster": (0, 3), "rate_households": (3, 10), "approve_ratings": (0, 3), "publish_ratings": (0, 2),
    "review_designations": (3, 10),
}
UNKNOWN_DELAY = (0, 3)
LATE_VISIT = (20, 45)


@dataclass
class LoanPlan:
    """One loan's fate, drawn at registration."""

    behaviour: str  # on_time, late, default
    maturity: str  # repay, extend, renew
    outcome: str  # how a recovery ends: recovered, malicious, loss
    grade: str
    eligible: bool = True
    returns: int = 0  # times the approver sends it back for more investigation
    rejected: bool = False
    prepay: bool = False
    paid_lines: int = 0  # a defaulter pays this many instalments, then stops
    declined: bool = False  # the officer declines it at investigation (不予受理)


@dataclass
class Ctx:
    """What a person sees when acting on a task: the row, its loan and plan, the day."""

    row: HumanTask
    loan: Loan | None
    plan: LoanPlan | None
    day: date


class Decisions:
    def __init__(self, settings: Settings):
        self.settings, self.rng = settings, random.Random(settings.seed)

    def chance(self, share: float) -> bool:
        return self.rng.random() < share

    def between(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    # --- households and loans ---------------------------------------------------------------------

    def application(self, id_number: str, bank: str, kind: str = "new", amount: Decimal | None = None) -> dict:
        category = self.rng.choice(sorted(PURPOSES))
        data = {"id_number": id_number, "bank": bank, "kind": kind,
                "amount": amount or Decimal(self.rng.randrange(10_000, 50_001, 5_000)).quantize(Decimal("0.01")),
                "term_months": self.rng.choices((6, 12, 24, 36), (3, 5, 1, 1))[0],
                "purpose_category": category, "purpose": PURPOSES[category]}
        return data

    def flaw(self) -> dict:
        """What makes an application one the policy refuses (too much, too long, not productive)."""
        return dict(self.rng.choice(FLAWS))

    def plan(self) -> LoanPlan:
        s = self.settings
        behaviour = self.rng.choices(("on_time", "late", "default"), (s.on_time_rate, s.late_rate, s.default_rate))[0]
        maturity = self.rng.choices(("repay", "extend", "renew"),
                                    (max(0.0, 1 - s.extend_rate - s.renew_rate), s.extend_rate, s.renew_rate))[0]
        outcome = self.rng.choices(("recovered", "malicious", "loss"),
                                   (max(0.0, 1 - s.malicious_rate - s.loss_rate), s.malicious_rate, s.loss_rate))[0]
        return LoanPlan(behaviour, maturity, outcome, self.rng.choices(("AAA", "AA", "A"), (5, 3, 2))[0],
                        eligible=not self.chance(s.ineligible_rate), returns=int(self.chance(s.return_rate)),
                        rejected=self.chance(s.reject_rate),
                        prepay=behaviour == "on_time" and self.chance(s.prepay_rate),
                        paid_lines=self.between(0, 3), declined=self.chance(s.decline_rate))

    def delay(self, name: str, plan: LoanPlan | None) -> int:
        if name == "post_loan_visit" and self.chance(self.settings.late_visit_rate):
            return self.between(*LATE_VISIT)
        return self.between(*DELAYS.get(name, UNKNOWN_DELAY))

    def late_days(self) -> int:
        return self.between(5, 60)

    # --- task answers -------------------------------------------------------------------------------

    def answers(self, ctx: Ctx) -> list[dict]:
        """The alternatives for the task, best first; ``[{}]`` (all generic) for a task not in the table."""
        table = ANSWERS.get(ctx.row.name)
        return table(self, ctx) if table else [{}]


def _investigate(d: Decisions, ctx: Ctx) -> list[dict]:
    """贷前调查: ``decline`` for a loan planned to be declined (不予受理); otherwise ``proceed``, on the
    short path (only ``rating_still_valid``) when the page shows a valid rating covering the amount
    (``ratings.covering_rating``), else the full investigation."""
    loan, grade = ctx.loan, ctx.plan.grade if ctx.plan else "AA"
    report = {"investigation_decision": "proceed", "rating_still_valid": None,
              "recommended_term_months": loan.term_months, "investigation_report": "家庭劳动力充足，有产业基础，还款意愿强"}
    full = [{**report, "grade": g, "recommended_amount": min(loan.amount, CREDIT_LINES[g])}
            for g in dict.fromkeys((grade, "AAA"))]
    if ctx.plan and ctx.plan.declined:
        return [{"investigation_decision": "decline", "decline_reason": "经营项目无稳定还款来源，不予受理"}, *full]
    if ratings.covering_rating(loan.household_id, loan.amount, ctx.day) is None:
        return full
    short = {"investigation_decision": "proceed", "rating_still_valid": True, "grade": None,
             "recommended_amount": None, "recommended_term_months": None, "investigation_report": None}
    return [short, *full]


def _approve(d: Decisions, ctx: Ctx) -> list[dict]:
    plan, loan = ctx.plan, ctx.loan
    reject = {"decision": "reject", "approved_amount": None, "approved_term_months": None, "annual_rate": None,
              "approval_comment": "经营项目风险较高，不予发放"}
    if plan and plan.returns > 0:
        plan.returns -= 1
        return [{"decision": "return", "approved_amount": None, "approved_term_months": None, "annual_rate": None,
                 "approval_comment": "请补充家庭收支情况"}]
    if plan and plan.rejected:
        return [reject]
    rate = policy.lpr_in_force(ctx.day).lpr_1y.quantize(Decimal("0.01"), ROUND_DOWN)  # at the LPR: the cap
    approve = {"decision": "approve", "approved_amount": loan.recommended_amount,
               "approved_term_months": loan.recommended_term_months, "approval_comment": "同意"}
    return [{**approve, "annual_rate": rate}, {**approve, "annual_rate": rate - Decimal("0.10")}, reject]


def _extension(d: Decisions, ctx: Ctx) -> list[dict]:
    maturity, term = ctx.loan.maturity_date, ctx.loan.approved_term_months or 12
    months = [m for m in (min(6, term), 3, 1) if m <= term]
    return [{"new_maturity_date": maturity + relativedelta(months=m), "extension_reason": "受市场价格影响，延后出栏销售"}
            for m in dict.fromkeys(months)]


def _wants_extension(ctx: Ctx) -> bool:
    return bool(ctx.plan) and ctx.plan.maturity == "extend" and ctx.plan.behaviour != "default"


def _reminder(d: Decisions, ctx: Ctx) -> list[dict]:
    """到期提醒: the household that wants an extension asks for it now, before the loan falls due."""
    told = {"household_informed": True, "reminder_note": "已电话告知到期日"}
    if _wants_extension(ctx):
        return [{**told, "extension_requested": True}, {**told, "extension_requested": False}]
    return [{**told, "extension_requested": False}]


def _review(d: Decisions, ctx: Ctx) -> list[dict]:
    recover = {"maturity_decision": "recover", "review_note": "到期未还，转入清收"}
    if _wants_extension(ctx):
        return [{"maturity_decision": "extend", "review_note": "经营正常，申请展期"}, recover]
    return [recover]


def _topup(d: Decisions, ctx: Ctx) -> list[dict]:
    asked = Decimal(str(facts.task_data(ctx.row).get("topup_amount") or "1000"))  # what the fund page shows
    amount = (asked / 1000).to_integral_value(ROUND_CEILING) * 1000  # the bureau pays in round thousands
    return [{"amount": amount.quantize(Decimal("0.01")), "topped_up_on": ctx.day,
             "voucher_number": f"CZ{ctx.day:%Y%m%d}", "comment": "按1:10补足风险补偿金"}]


ANSWERS = {
    "confirm_eligibility": lambda d, c: [{"eligible": c.plan.eligible if c.plan else True,
                                          "eligibility_note": "在册户，身份核实无误"}],
    "investigate_credit": _investigate,
    "approve_loan": _approve,
    "disburse_loan": lambda d, c: [{"contract_number": f"SIM{c.loan.id:07d}", "disbursed_on": c.day,
                                    "account_number": f"6228480{c.loan.id:012d}"}],
    "post_loan_visit": lambda d, c: [{"used_for_production": True, "visit_note": "资金用于生产，经营正常"}],
    "maturity_reminder": _reminder,
    "supervise_visit": lambda d, c: [{"supervision_note": "已督促包村干部本周内走访"}],
    "supervise_visit_bank": lambda d, c: [{"supervision_note": "已联系乡镇，协同走访"}],
    "maturity_review": _review,
    "request_extension": _extension,
    "approve_extension": lambda d, c: [{"extension_approved": True, "extension_comment": "同意展期"},
                                       {"extension_approved": False, "extension_comment": "不符合展期条件"}],
    "recover_loan": lambda d, c: [{"recovery_outcome": c.plan.outcome if c.plan else "loss",
                                   "recovery_note": "多次催收，情况已核实"}],
    "confirm_recovery": lambda d, c: [{"recovery_confirmed": True, "confirmation_note": "情况属实"}],
    "claim_compensation": lambda d, c: [{"loss_confirmed": True, "comment": "确认损失，申请代偿"}],
    "record_topup": _topup,
    "review_overdue_topup": lambda d, c: [{"comment": "已督促财政局补足"}],
    "review_subsidy_settlement": lambda d, c: [{"decision": "approve", "comment": "核对无误"}],
    "record_subsidy_payment": lambda d, c: [{"paid_on": c.day, "voucher_number": f"FZ{c.day:%Y%m%d}"}],
    "confirm_subsidy_passed_on": lambda d, c: [{"confirmed_on": c.day, "comment": "贴息已入户"}],
    "confirm_roster": lambda d, c: [{"roster_confirmed": True, "comment": "花名册已逐户核对"}],
    "rate_households": lambda d, c: [{"comment": "已逐户评级授信"}],
    "approve_ratings": lambda d, c: [{"comment": "评级结果审批同意"}],
    "publish_ratings": lambda d, c: [{"comment": "评级结果已在乡镇公示"}],
    "review_designations": lambda d, c: [{"decided_on": c.day, "comment": "经审核，同意公布"}],
}

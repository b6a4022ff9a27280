"""Demo data for ``make run`` (密码 Demo-2026! — for the demo database only).

A district two years in: the district simulator (``workflows.simulation``) lists ``HOUSEHOLDS``
households and lives the last two years day by day up to today, so monitoring, overdue,
extension, recovery, settlement and fund pages all have history. Then a dozen named households
have loans waiting at each step of the pipeline today. Everything is driven through the real
services, so every demo loan has its process instance, inbox rows and audit trail, exactly as if
clerks and officers had done the work.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from models import IS_READY, Household, HumanTask, Loan, Township, User, db

from . import accounts, clock, loans, reference_data, resident_id, simulation
from .simulation import world as simulated_world
from .audit import Actor
from .tasks import service

HOUSEHOLDS = 100
YEARS_DAYS = 730
SEED = 2026

DEMO_PASSWORD = "Demo-2026!"
TOWNSHIPS = {"hanfeng": ("汉丰街道", ["东河村", "滨湖社区"]), "dade": ("大德镇", ["大德村", "长坪村"]),
             "zhaojia": ("赵家街道", ["赵家村"])}
BANKS = {"cqrcb": "重庆农村商业银行开州支行", "psbc": "中国邮政储蓄银行开州区支行"}
USERS = [
    ("admin", "系统管理员", ["admin"], None, None),
    ("clerk_hanfeng", "汉丰街道 王丽", ["township_clerk"], "hanfeng", None),
    ("clerk_dade", "大德镇 李强", ["township_clerk"], "dade", None),
    ("bureau", "区乡村振兴局 陈静", ["rural_bureau"], None, None),
    ("officer_rcb", "农商行 张伟", ["bank_officer"], None, "cqrcb"),
    ("officer2_rcb", "农商行 刘洋", ["bank_officer"], None, "cqrcb"),
    ("approver_rcb", "农商行 赵敏", ["bank_approver"], None, "cqrcb"),
    ("officer_psbc", "邮储银行 孙浩", ["bank_officer"], None, "psbc"),
    ("approver_psbc", "邮储银行 周婷", ["bank_approver"], None, "psbc"),
    ("finance", "区财政局 吴刚", ["finance_bureau"], None, None),
    ("supervisor", "区金融事务中心 郑华", ["supervisor"], None, None),
]
HOUSEHOLD_NAMES = ["向明", "冉光荣", "谭德兵", "刘春梅", "陈家富", "黄小琴", "杨树林", "周大勇", "熊秀英", "邓永福",
                   "何建国", "彭玉兰"]


def already_seeded() -> bool:
    return db.session.scalars(sa.select(User.id).where(User.username == "clerk_hanfeng")).first() is not None


def seed(forms: simulation.TaskForms, days: int = YEARS_DAYS, households: int = HOUSEHOLDS,
         on_day=None) -> dict[str, int]:
    """The demo users, two simulated years ending today (``forms``: see ``simulation.TaskForms``),
    then the named households' loans at each step."""
    reference_data.install()
    simulated_world.ensure_places()  # the townships, villages and banks above
    for username, name, roles, township, bank in USERS:
        accounts.create_user(username, DEMO_PASSWORD, roles, display_name=name, township=township, bank=bank)
    db.session.commit()
    start = clock.today() - timedelta(days=days - 1)
    result = simulation.simulate(simulation.Settings(households=households, start=start, days=days, seed=SEED), forms,
                                 on_day=on_day)
    named = _households()
    db.session.commit()
    count = _loans(named)
    return {"users": len(USERS), "households": households + len(named),
            "loans": db.session.scalar(sa.select(sa.func.count()).select_from(Loan)), "staged_loans": count,
            "invariants_ok": int(result.ok)}


def _households() -> list[Household]:
    townships = db.session.scalars(sa.select(Township).order_by(Township.id)).all()
    households = []
    for i, name in enumerate(HOUSEHOLD_NAMES):
        township = townships[i % 2]
        born = date(1968 + i * 2, (i % 12) + 1, 10 + i)
        households.append(Household(
            id_number=resident_id.compose("500234", born, 100 + i), name=name, phone=f"1399651{i:04d}",
            township=township, village=township.villages[i % len(township.villages)],
            category="marginal" if i % 5 == 4 else "poverty_lifted",
        ))
    households[-1].removed, households[-1].removed_reason = True, "因个人主观恶意调整出列"
    db.session.add_all(households)
    db.session.flush()
    return households


def _user(username: str) -> Actor:
    return Actor(db.session.scalars(sa.select(User).where(User.username == username)).one(), None, "127.0.0.1")


def _apply(household: Household, bank: str, amount: str, purpose: str) -> int:
    clerk = "clerk_hanfeng" if household.township.code == "hanfeng" else "clerk_dade"
    loan = loans.register_application(_user(clerk), {
        "id_number": household.id_number, "bank": bank, "amount": Decimal(amount), "term_months": 12,
        "purpose_category": "breeding" if "养" in purpose else "planting", "purpose": purpose, "kind": "new"})
    return loan.id


def _do(loan_id: int, task_name: str, username: str, data: dict) -> None:
    task = db.session.scalars(sa.select(HumanTask).where(
        HumanTask.loan_id == loan_id, HumanTask.name == task_name, IS_READY)).one()
    service.complete_task(_user(username), task.id, data)


def _loans(households: list[Household]) -> int:
    """Loans waiting at each step, one active, one rejected at approval."""
    officer = {"cqrcb": "officer_rcb", "psbc": "officer_psbc"}
    approver = {"cqrcb": "approver_rcb", "psbc": "approver_psbc"}
    plan = [  # (household index, bank, amount, purpose, how far)
        (0, "cqrcb", "30000", "养殖生猪20头", "disbursed"), (1, "psbc", "50000", "种植柑橘15亩", "disbursed"),
        (2, "cqrcb", "20000", "养殖山羊", "approved"), (3, "psbc", "40000", "种植中药材", "investigated"),
        (4, "cqrcb", "10000", "养蜂50箱", "confirmed"), (5, "cqrcb", "25000", "种植脆李", "registered"),
        (6, "psbc", "15000", "养鸡500羽", "registered"), (7, "cqrcb", "30000", "种植茶叶", "rejected"),
    ]
    steps = ["registered", "confirmed", "investigated", "approved", "disbursed"]
    for index, bank, amount, purpose, how_far in plan:
        loan_id = _apply(households[index], bank, amount, purpose)
        reach = steps.index(how_far) if how_far in steps else 2
        if reach >= 1:
            _do(loan_id, "confirm_eligibility", "bureau", {"eligible": True, "eligibility_note": "在册脱贫户，身份核实无误"})
        if reach >= 2:
            _do(loan_id, "investigate_credit", officer[bank], {
                "grade": "AAA", "recommended_amount": Decimal(amount), "recommended_term_months": 12,
                "investigation_report": "家庭劳动力2人，有种养经验，还款意愿强"})
        if how_far == "rejected":
            _do(loan_id, "approve_loan", approver[bank], {"decision": "reject", "approved_amount": None,
                "approved_term_months": None, "annual_rate": None, "approval_comment": "经营项目风险较高"})
        if reach >= 3:
            _do(loan_id, "approve_loan", approver[bank], {
                "decision": "approve", "approved_amount": Decimal(amount), "approved_term_months": 12,
                "annual_rate": Decimal("3.00"), "approval_comment": "同意"})
        if reach >= 4:
            _do(loan_id, "disburse_loan", officer[bank], {
                "contract_number": f"KZ{clock.today():%Y}{loan_id:05d}", "disbursed_on": clock.today(),
                "account_number": f"6228480{loan_id:012d}"})
    return len(plan)

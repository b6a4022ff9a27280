"""The simulated district (模拟辖区): townships and banks, staff per role and scope, listed households.

Places and staff already in the database are used as they are (the demo's, or a real district's
copy); what is missing is added: the demo's townships and banks when there are none, and for each
township a clerk, for each bank two officers and two approvers (four eyes), one user per district
role. Households are registered on the list by the rural bureau through
``households.register_household``, as the bureau's page does.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from models import Bank, Household, Township, User, Village, db

from .. import accounts, households, reference_data, resident_id
from ..audit import Actor

DISTRICT_ROLES = ("rural_bureau", "finance_bureau", "supervisor")
BANK_STAFF = {"bank_officer": 2, "bank_approver": 2}
REGION = "500234"  # 开州区
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤冉"
GIVEN = "明华国平建军秀英兰芳德福永春梅富林勇强丽琴玉树大小家光荣兵成刚伟敏静红文志海山"
SIM_ADDRESS = "127.0.0.1"


@dataclass
class Staff:
    """Who holds each role in each scope: ``(role, township_id or bank_id or None) -> users``."""

    by_scope: dict[tuple[str, int | None], list[User]] = field(default_factory=dict)

    def holders(self, role: str, township_id: int | None, bank_id: int | None) -> list[User]:
        scope = township_id if role == "township_clerk" else bank_id if role.startswith("bank_") else None
        return self.by_scope.get((role, scope), [])

    def actor(self, user: User) -> Actor:
        return Actor(user, None, SIM_ADDRESS)

    def one(self, role: str, township_id: int | None = None, bank_id: int | None = None) -> Actor:
        return self.actor(self.holders(role, township_id, bank_id)[0])


@dataclass
class World:
    townships: list[Township]
    banks: list[Bank]
    staff: Staff
    households: list[int]  # ids, in the order they were listed


def build(count: int, rng: random.Random, first_day: date) -> World:
    """Reference data, places, staff and ``count`` listed households (commits)."""
    reference_data.install()
    ensure_places()
    db.session.commit()
    townships = list(db.session.scalars(sa.select(Township).order_by(Township.id)))
    banks = list(db.session.scalars(sa.select(Bank).order_by(Bank.id)))
    staff = ensure_staff(townships, banks)
    listed = [register(staff, townships, rng, first_day, n) for n in range(count)]
    return World(townships, banks, staff, listed)


def ensure_places() -> None:
    """The demo's townships, villages and banks when the database has no township yet."""
    if db.session.scalars(sa.select(Township.id)).first() is not None:
        return
    from ..demo_data import BANKS, TOWNSHIPS  # the demo district (demo_data runs the simulator)
    for code, (name, villages) in TOWNSHIPS.items():
        township = Township(code=code, name=name)
        township.villages = [Village(code=f"{code}_{i + 1}", name=v) for i, v in enumerate(villages)]
        db.session.add(township)
    db.session.add_all(Bank(code=code, name=name) for code, name in BANKS.items())
    db.session.flush()


def ensure_staff(townships: list[Township], banks: list[Bank]) -> Staff:
    """Existing active users per role and scope (oldest first), plus simulated ones where too few."""
    staff = Staff()
    for user in db.session.scalars(sa.select(User).where(User.is_active.is_(True)).order_by(User.id)):
        for role in sorted(user.roles):
            scope = user.township_id if role == "township_clerk" else user.bank_id if role.startswith("bank_") else None
            staff.by_scope.setdefault((role, scope), []).append(user)
    wanted = [(role, None, None, 1) for role in DISTRICT_ROLES]
    wanted += [("township_clerk", t.code, None, 1) for t in townships if t.villages]
    wanted += [(role, None, b.code, n) for b in banks for role, n in BANK_STAFF.items()]
    for role, township, bank, n in wanted:
        scope_id = _scope_id(townships, banks, township, bank)
        have = staff.by_scope.setdefault((role, scope_id), [])
        while len(have) < n:
            username = f"sim_{role}_{township or bank or 'district'}_{len(have) + 1}"
            have.append(accounts.create_user(username, secrets.token_urlsafe(24), [role], township=township,
                                             bank=bank, display_name=f"模拟{username[4:]}"))
    db.session.commit()
    return staff


def _scope_id(townships, banks, township: str | None, bank: str | None) -> int | None:
    if township:
        return next(t.id for t in townships if t.code == township)
    if bank:
        return next(b.id for b in banks if b.code == bank)
    return None


def register(staff: Staff, townships: list[Township], rng: random.Random, first_day: date, n: int) -> int:
    """One household listed by the bureau (在册登记); about one in thirty is older than the policy allows."""
    township = rng.choice([t for t in townships if t.villages])
    village = rng.choice(township.villages)
    too_old = rng.random() < 1 / 30
    age_days = rng.randint(67 * 365, 75 * 365) if too_old else rng.randint(24 * 365, 58 * 365)
    born = first_day - timedelta(days=age_days)
    household = households.register_household(staff.one("rural_bureau"), {
        "id_number": _free_id_number(born, n), "name": _name(rng), "township": township.code,
        "village": village.code, "category": "marginal" if rng.random() < 0.2 else "poverty_lifted"})
    return household.id


def _free_id_number(born: date, n: int) -> str:
    """A valid resident ID not on the list yet (the sequence moves on past numbers already taken)."""
    for sequence in range(n % 900 + 100, n % 900 + 1000):
        number = resident_id.compose(REGION, born, sequence % 1000)
        if db.session.scalars(sa.select(Household.id).where(Household.id_number == number)).first() is None:
            return number
    raise RuntimeError(f"no free resident ID for a household born on {born}")


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))

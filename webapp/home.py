"""The landing page."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from models import Loan, User, db

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    users = db.session.scalars(sa.select(User).order_by(User.id)).all()
    loans = db.session.scalars(sa.select(Loan).order_by(Loan.id.desc()).limit(50)).all()
    return render_template("home/index.html", users=users, loans=loans)

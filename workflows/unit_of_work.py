"""One use case, one transaction: commit when the service returns, roll back on any error."""
from __future__ import annotations

import functools

from models import db


def unit_of_work(service):
    """Wrap a service so it commits once at the end and leaves nothing behind when it raises."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        try:
            result = service(*args, **kwargs)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return result

    return run

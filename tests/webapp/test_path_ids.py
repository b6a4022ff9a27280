"""Ids in page paths: ASCII digits within a database integer, anything else is no such page (404)."""
from __future__ import annotations

import pytest

HUGE = "9223372036854775808"


@pytest.mark.parametrize("path", [f"/loans/{HUGE}", f"/loans/{HUGE}/diagram.json", f"/tasks/{HUGE}",
                                  f"/finance/settlements/{HUGE}", "/tasks/2147483648", "/tasks/007",
                                  "/tasks/\uff11", "/loans/\u0661"])
def test_an_id_past_a_database_integer_or_not_in_ascii_digits_is_not_found(login, path):
    assert login("supervisor").get(path).status_code == 404


def test_the_largest_id_is_still_looked_up(login):
    assert login("supervisor").get("/tasks/2147483647").status_code == 404  # no such task, but no overflow

"""The credit-rating diagrams pass validation and the administrator's test run, like the bundled ones."""
from __future__ import annotations

import pytest

from forms.diagram import check_form_fields
from forms.registry import TASK_FORMS
from webapp.admin import test_scripts
from workflows import validation
from workflows.deployment import BUNDLED_PROCESSES, bundled_sources

KEYS = ("credit_rating_campaign", "credit_designation")


@pytest.mark.parametrize("key", KEYS)
def test_the_diagram_is_bundled_valid_and_runs_to_its_end_in_the_test_run(app, world, key):
    assert key in BUNDLED_PROCESSES
    with app.test_request_context():
        assert validation.problems(key, bundled_sources(), TASK_FORMS, check_form_fields) == {}
    report = test_scripts.run(key, bundled_sources())
    assert report.ok and report.completed, report.reason
    assert report.end_event == {"credit_rating_campaign": "ratings_published",
                                "credit_designation": "designations_published"}[key]

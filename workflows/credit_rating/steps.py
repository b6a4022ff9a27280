"""Loads the credit-rating domain into the task pipeline: the steps and facts panels of
``credit_rating_campaign`` and ``credit_designation`` register when their modules are imported
(``workflows.domains``)."""
from . import campaigns, designations  # noqa: F401

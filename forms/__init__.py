"""WTForms classes of the user tasks, shared by the pages and the JSON API.

Forms check types, presence and formats; the policy numbers are checked by the DMN tables and
the services, which answer with rule codes. This package may read ``models`` (for choices) only.
"""
from .application import LOAN_KIND_CHOICES, PURPOSE_CATEGORIES, RegisterApplicationForm
from .loan_tasks import ApproveLoanForm, ConfirmEligibilityForm, DisburseLoanForm, InvestigateCreditForm
from .diagram import check_form_fields, diagram_form_class
from .registry import TASK_FORMS, describe_fields, form_class, form_from_json, task_form_class

__all__ = [
    "LOAN_KIND_CHOICES", "PURPOSE_CATEGORIES", "RegisterApplicationForm", "ApproveLoanForm",
    "ConfirmEligibilityForm", "DisburseLoanForm", "InvestigateCreditForm", "TASK_FORMS",
    "describe_fields", "form_class", "form_from_json", "task_form_class", "check_form_fields",
    "diagram_form_class",
]

"""Plain-language messages for the rule codes of docs/policy.md and the other codes our errors carry.

English msgids (the source language), Chinese in ``translations/core``. Each message ends with the
code in brackets so a clerk can quote it on the phone to the help desk.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

RULE_MESSAGES = {
    "not_registered": _l("The household is not on the registered list of poverty-lifted or marginal households (not_registered)"),
    "removed_from_list": _l("The household was removed from the list for its own bad faith and may not borrow (removed_from_list)"),
    "age_out_of_range": _l("The applicant must be 18 to 65 years old on the application date (age_out_of_range)"),
    "bad_credit": _l("The applicant has a major bad credit record (bad_credit)"),
    "not_rated": _l("The household has not passed the bank's credit rating and credit line grant (not_rated)"),
    "dishonest_debtor": _l("The applicant is on the dishonest-debtor list and may not get a new loan (dishonest_debtor)"),
    "amount_over_cap": _l("The loan amount is above the 50,000 yuan cap per household (amount_over_cap)"),
    "total_over_cap": _l("All loans of the household together would be above 100,000 yuan (total_over_cap)"),
    "term_over_cap": _l("The term is longer than 3 years (36 months) (term_over_cap)"),
    "rate_over_cap": _l("The interest rate is above the LPR cap for this term (rate_over_cap)"),
    "purpose_not_productive": _l("The loan must be used for the household's own production and business (purpose_not_productive)"),
    "extension_limit": _l("A loan may be renewed or extended only once (extension_limit)"),
    "four_eyes": _l("You did an earlier step of this case (for example its investigation), so a colleague must do "
                    "this one (four_eyes)"),
    "claimed": _l("A colleague has claimed this task; ask them or a supervisor to hand it over (claimed)"),
    "process_error": _l("The process diagram failed while running this step; nothing was saved. Tell the "
                        "administrator (process_error)"),
    "settlement_not_computed": _l("The settlement is not computed yet: its quarter has not closed "
                                  "(settlement_not_computed)"),
    "settlement_out_of_step": _l("The settlement is not at this step any more; reload the page "
                                 "(settlement_out_of_step)"),
    "date_out_of_range": _l("This date is outside the allowed range (date_out_of_range)"),
    "already_compensated": _l("The fund has already compensated this loan (already_compensated)"),
    "positive_amount": _l("The amount must be more than zero (positive_amount)"),
    "invalid_id_number": _l("The resident ID number is not a valid 18-digit number (invalid_id_number)"),
    "unknown_bank": _l("This bank is not a partner bank of the scheme (unknown_bank)"),
    "before_approval": _l("This date is before the approval date (before_approval)"),
    "already_completed": _l("Someone else has already completed this task (already_completed)"),
    "stale": _l("Someone else changed this loan while you were working; reload the page and try again (stale)"),
    "forbidden": _l("You are not allowed to do this (forbidden)"),
    "invalid": _l("Some entries are missing or not valid; please check the form (invalid)"),
    "not_found": _l("The record does not exist or is not visible to you (not_found)"),
    "unauthorized": _l("Please sign in first (unauthorized)"),
}


def rule_message(code: str):
    """The lazy message for ``code``; an unknown code comes back as it is."""
    return RULE_MESSAGES.get(code, code)


def field_messages(field_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per-field errors with every known code replaced by its message (other strings unchanged)."""
    return {field: [str(rule_message(item)) for item in items] for field, items in field_errors.items()}

"""Plain-language messages for the rule codes of docs/policy.md and the other codes our errors carry.

English msgids (the source language), Chinese in ``translations/core``. Each message ends with the
code in brackets so a clerk can quote it on the phone to the help desk.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from workflows import clock, policy

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
    "extension_after_maturity": _l("An extension must be asked for by the maturity date at the latest "
                                   "(extension_after_maturity)"),
    "extension_risk_class": _l("A loan in the doubtful or loss class, or of a household listed as a malicious "
                               "defaulter, may not be extended (extension_risk_class)"),
    "extension_too_long": _l("The new maturity is too late: at most the original term for a loan of up to one year, "
                             "half of it for one of one to five years, and never more than the longest extension "
                             "the policy allows (extension_too_long)"),
    "recovery_not_repaid": _l("Principal is still outstanding: record the money recovered as a repayment; repaid in "
                              "full, the loan closes by itself (recovery_not_repaid)"),
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
    "business_date_not_settable": _l("The business date may be set only on a demo or test database "
                                     "(business_date_not_settable)"),
    "already_compensated": _l("The fund has already compensated this loan (already_compensated)"),
    "positive_amount": _l("The amount must be more than zero (positive_amount)"),
    "campaign_incomplete": _l("The rating campaign's work for this step is not finished: every household on the "
                              "roster needs a rating, and every rating an approval (campaign_incomplete)"),
    "campaign_not_open": _l("The rating campaign is not at this stage (campaign_not_open)"),
    "credit_line_over_grade": _l("The credit line is above the line the credit-line table gives this grade "
                                 "(credit_line_over_grade)"),
    "not_on_roster": _l("The household is not on the campaign's roster (not_on_roster)"),
    "rating_already_approved": _l("This rating is already approved and can no longer change (rating_already_approved)"),
    "rating_not_valid": _l("The household has no valid rating that covers this amount: do the full investigation "
                           "(rating_not_valid)"),
    "designation_review_open": _l("A designation proposal of this township is still waiting for the bureau's review "
                                  "(designation_review_open)"),
    "credit_village_share_below": _l("The town's share of credit villages fell below the threshold for a credit "
                                     "town (credit_village_share_below)"),
    "overdue_rate_over_limit": _l("The village's overdue rate reached the limit for a credit village "
                                  "(overdue_rate_over_limit)"),
    "invalid_id_number": _l("The resident ID number is not a valid 18-digit number (invalid_id_number)"),
    "unknown_bank": _l("This bank is not a partner bank of the scheme (unknown_bank)"),
    "before_approval": _l("This date is before the approval date (before_approval)"),
    "already_completed": _l("Someone else has already completed this task (already_completed)"),
    # users and roles (workflows/user_admin.py)
    "cannot_deactivate_self": _l("You cannot deactivate your own account (cannot_deactivate_self)"),
    "cannot_remove_own_admin": _l("You cannot remove your own administrator role (cannot_remove_own_admin)"),
    "user_scope_mismatch": _l("The scope does not fit the roles: a township clerk needs a township, bank staff "
                              "need a bank, district roles need neither, and one person has one scope "
                              "(user_scope_mismatch)"),
    "delegate_not_eligible": _l("The stand-in must be another active user holding the same role in the same "
                                "township or bank (delegate_not_eligible)"),
    "delegation_period_invalid": _l("The period must start on or before its end, not be over already, and last at "
                                    "most a year (delegation_period_invalid)"),
    "username_taken": _l("This user name is taken (username_taken)"),
    "invalid_username": _l("A user name has up to 64 lowercase letters, digits, dots, dashes or underscores "
                           "(invalid_username)"),
    "role_required": _l("Choose at least one role (role_required)"),
    "unknown_role": _l("Unknown role (unknown_role)"),
    "role_not_held": _l("The user does not hold this role (role_not_held)"),
    "unknown_user": _l("No such user (unknown_user)"),
    "stale": _l("Someone else changed this loan while you were working; reload the page and try again (stale)"),
    "forbidden": _l("You are not allowed to do this (forbidden)"),
    "invalid": _l("Some entries are missing or not valid; please check the form (invalid)"),
    "not_found": _l("The record does not exist or is not visible to you (not_found)"),
    "unauthorized": _l("Please sign in first (unauthorized)"),
    # comments and attachments (workflows/attachments)
    "attachment_type_refused": _l("Only JPEG and PNG photos and PDF documents can be attached, and the file name "
                                  "must fit its content (attachment_type_refused)"),
    "attachment_too_large": _l("The file is larger than the limit for one attachment (attachment_too_large)"),
    "attachment_bomb": _l("The image declares more pixels than an attachment may have (attachment_bomb)"),
    "attachment_limit": _l("This task already holds as many files as a task may (attachment_limit)"),
    "comment_empty": _l("Write something before posting the comment (comment_empty)"),
    "comment_too_long": _l("The comment is too long (comment_too_long)"),
    # the designer (workflows/migration.py)
    "migration_nothing_chosen": _l("Tick the loans to move first; nothing was moved (migration_nothing_chosen)"),
    # registration and withdrawal (workflows/loans.py, workflows/registration.py)
    "household_other_township": _l("This household is on the list of another township: the clerk of its own "
                                   "township registers its application (household_other_township)"),
    "application_not_withdrawable": _l("The application can no longer be withdrawn: the loan is disbursed or its "
                                       "process has ended (application_not_withdrawable)"),
    "reason_required": _l("Give the reason (reason_required)"),
    "reason_too_long": _l("The reason is too long: at most 500 characters (reason_too_long)"),
}


# Messages whose numbers are dated policy settings: read the settings in force on the business date.
SETTING_MESSAGES = {
    "age_out_of_range": (_l("The applicant must be %(low)s to %(high)s years old on the application date "
                            "(age_out_of_range)"), {"low": "borrower_min_age", "high": "borrower_max_age"}),
    "extension_limit": (_l("A loan may be renewed or extended at most %(count)s time(s) (extension_limit)"),
                        {"count": "max_extensions"}),
}


# Messages whose number is the limit a rule of the deployed DMN table ``loan_policy`` compares against.
DMN_MESSAGES = {
    "amount_over_cap": _l("The loan amount is above the cap of %(limit)s yuan per loan (amount_over_cap)"),
    "total_over_cap": _l("All loans of the household together would be above %(limit)s yuan (total_over_cap)"),
    "term_over_cap": _l("The term is longer than %(limit)s months (term_over_cap)"),
}


def rule_message(code: str):
    """The message for ``code``, its numbers read from the policy settings in force today or from the
    deployed DMN table; an unknown code comes back as it is."""
    if code in DMN_MESSAGES:
        try:
            limit = policy.dmn_limit(code)
        except RuntimeError:  # no application context: the fixed wording
            limit = None
        if limit is not None:
            return str(DMN_MESSAGES[code]) % {"limit": _number(limit)}
    if code in SETTING_MESSAGES:
        message, keys = SETTING_MESSAGES[code]
        try:
            today = clock.today()
            return str(message) % {name: _number(policy.setting(key, today)) for name, key in keys.items()}
        except (policy.MissingPolicyDataError, RuntimeError):  # no setting in force, or no app: the fixed wording
            pass
    return RULE_MESSAGES.get(code, code)


def _number(value: Decimal) -> str:
    """65 → ``65``, 50000 → ``50,000``, 0.5 → ``0.5``."""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def field_messages(field_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per-field errors with every known code replaced by its message (other strings unchanged)."""
    return {field: [str(rule_message(item)) for item in items] for field, items in field_errors.items()}

"""Rating campaigns (评级授信) and credit households, villages and towns (信用户、信用村、信用镇).

Modules: ``lines`` (credit lines by grade, from DMN ``credit_line``), ``campaigns`` (open a
campaign, its roster, the ``credit_rating_campaign`` process steps), ``ratings`` (bulk save and
bulk four-eyes approval, the valid rating of a household), ``designations`` (the dated rules, the
``credit_designation`` review process, revocation), ``queries`` (read-only views for pages and API).
"""
CAMPAIGN_PROCESS = "credit_rating_campaign"
DESIGNATION_PROCESS = "credit_designation"

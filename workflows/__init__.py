from . import loan_history  # noqa: F401  (its transaction hook writes the loan history of every commit)

"""Calibration: fit the baseline's uncertain world parameters to the survey (``fit``), against
the targets and priors of ``targets``."""

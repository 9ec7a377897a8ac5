"""The validation rules, one module per group; importing this package registers them all."""
from . import structure, funds, weights, indicators, totals, suzhou, plausibility, folder  # noqa: F401

"""Exact theory of model collapse: workflows as data, the sequential Gaussian process,
closed forms, limits and LaTeX (SymPy and exact rationals)."""

from .presets import PRESETS, load_workflow, preset
from .process import (
                      LinearForm,
                      covariance,
                      covariance_float,
                      efficiencies,
                      linear_form,
                      risk_ratios,
                      risk_ratios_float,
)
from .rationals import to_rational
from .workflow import FitEntry, Generation, Share, Workflow, WorkflowError

__all__ = ["PRESETS", "load_workflow", "preset", "LinearForm", "covariance", "covariance_float",
           "efficiencies", "linear_form", "risk_ratios", "risk_ratios_float", "to_rational", "FitEntry",
           "Generation", "Share", "Workflow", "WorkflowError"]

"""Exact theory of model collapse: workflows as data, the sequential Gaussian process,
closed forms, limits and LaTeX (SymPy and exact rationals)."""

from .closed_form import (
    Bound,
    ClosedForm,
    PooledFitIdentity,
    Recurrence,
    closed_form,
    closed_form_from_terms,
    family_terms,
    find_recurrence,
    pooled_fit_identity,
    risk_bound,
    risk_limit,
)
from .curation import Curation
from .latex import latex_pieces, latex_snippet, model_risk_latex, ratio_table
from .models import (
    FAMILIES,
    MODEL_NAMES,
    MODELS,
    ExponentialFamily,
    ExponentialFamilyModel,
    ModelSpec,
    SymbolicModel,
    get_model,
    model_spec,
)
from .moments import resampling_moments
from .predictions import Prediction, predict, universal_ratio_symbolic
from .presets import PRESETS, WorkflowLike, load_workflow, preset
from .process import (
    LinearForm,
    covariance,
    covariance_float,
    efficiencies,
    exact_loadings,
    linear_form,
    risk_ratios,
    risk_ratios_float,
    variances,
)
from .rationals import to_rational
from .workflow import FitEntry, Generation, Share, Workflow, WorkflowError

__all__ = [
    # workflows as data
    "FitEntry", "Generation", "Share", "Workflow", "WorkflowError", "WorkflowLike", "PRESETS", "load_workflow",
    "preset", "Curation",
    "to_rational",
    # the exact sequential Gaussian process
    "LinearForm", "linear_form", "exact_loadings", "covariance", "covariance_float", "efficiencies", "risk_ratios",
    "risk_ratios_float", "variances",
    # canonical models and predictions
    "FAMILIES", "MODEL_NAMES", "MODELS", "ModelSpec", "ExponentialFamily", "ExponentialFamilyModel", "SymbolicModel",
    "get_model", "model_spec",
    "Prediction", "predict", "resampling_moments", "universal_ratio_symbolic",
    # closed forms, limits, LaTeX
    "Bound", "ClosedForm", "PooledFitIdentity", "Recurrence", "closed_form", "closed_form_from_terms",
    "family_terms", "find_recurrence", "pooled_fit_identity", "risk_bound", "risk_limit", "latex_pieces",
    "latex_snippet", "model_risk_latex", "ratio_table",
]

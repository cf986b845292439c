"""Exact theory of model collapse: workflows as data, the sequential Gaussian process,
closed forms, limits and LaTeX (SymPy and exact rationals).

The public names below load with their module on first use (:mod:`theory.lazy`),
so ``import theory`` costs almost nothing and SymPy is imported only by what needs it.

==============================  ===========================================================
workflows as data               :class:`Workflow`, :class:`FitEntry`, :class:`Generation`,
                                :class:`Share`, :class:`Curation`, :class:`WorkflowError`,
                                :data:`WorkflowLike`, :data:`PRESETS`, :func:`preset`,
                                :func:`load_workflow`
the sequential Gaussian process :func:`risk_ratios`, :func:`risk_ratios_float`,
                                :func:`covariance`, :func:`covariance_float`,
                                :func:`variances`, :func:`efficiencies`,
                                :func:`linear_form`, :class:`LinearForm`
models                          :data:`MODELS`, :data:`MODEL_NAMES`, :func:`model_spec`,
                                :func:`get_model`, :class:`ModelSpec`, :class:`SymbolicModel`,
                                :class:`ExponentialFamily`, :data:`FAMILIES`
predictions                     :func:`predict`, :class:`Prediction`,
                                :func:`universal_ratio_symbolic`
proofs for every k              :func:`prove`, :class:`FamilyProof`, :class:`Proof`,
                                :func:`family_of`, :class:`Family`, :func:`state_space`,
                                :class:`StateSpace`, :func:`derive_recurrence`,
                                :class:`DerivedRecurrence`
closed forms and limits         :func:`closed_form`, :class:`ClosedForm`, :data:`k`,
                                :func:`risk_limit`, :func:`risk_bound`, :class:`Bound`,
                                :func:`family_terms`, :class:`Recurrence`,
                                :func:`find_recurrence`, :func:`closed_form_from_terms`,
                                :func:`pooled_fit_identity`, :class:`PooledFitIdentity`
LaTeX                           :func:`latex_snippet`, :func:`latex_pieces`,
                                :func:`model_risk_latex`, :func:`ratio_table`
heavy tails and genealogy       :func:`categorical_truth`, :func:`derive_memorizer_constant`,
                                :func:`derive_tail_floor`, :func:`derive_generations_law`,
                                :func:`ancestor_laws`, :func:`mean_field_step`
linear models in high dimension :func:`linreg_risk`, :class:`LinregRisk`,
                                :func:`feedback_polynomials`, :func:`fresh_augment_terms`,
                                :func:`ratio_limit_fresh_augment`, :func:`mp_resolvent_moments`
==============================  ===========================================================

Examples
--------
>>> from theory import preset, risk_ratios
>>> [str(r) for r in risk_ratios(preset("augment", 4))]
['1', '5/4', '49/36', '205/144']
"""

from .lazy import lazy_attributes

_PUBLIC = {
    # workflows as data
    "Workflow": "workflow", "FitEntry": "workflow", "Generation": "workflow", "Share": "workflow",
    "Curation": "curation", "WorkflowError": "workflow", "WorkflowLike": "presets", "PRESETS": "presets",
    "preset": "presets", "load_workflow": "presets",
    # the exact sequential Gaussian process
    "risk_ratios": "process", "risk_ratios_float": "process", "covariance": "process",
    "covariance_float": "process", "variances": "process", "efficiencies": "process", "linear_form": "process",
    "LinearForm": "process",
    # models
    "MODELS": "models", "MODEL_NAMES": "models", "model_spec": "models", "get_model": "models",
    "ModelSpec": "models", "SymbolicModel": "models", "ExponentialFamily": "models", "FAMILIES": "models",
    # predictions
    "predict": "predictions", "Prediction": "predictions", "universal_ratio_symbolic": "predictions",
    # proofs for every k: families, state-space forms, derived recurrences
    "prove": "proofs", "FamilyProof": "proofs", "Proof": "proofs", "family_of": "families", "Family": "families",
    "state_space": "state_space", "StateSpace": "state_space", "derive_recurrence": "derivation",
    "DerivedRecurrence": "derivation",
    # closed forms and limits
    "closed_form": "closed_form", "ClosedForm": "closed_form", "k": "recurrence", "risk_limit": "closed_form",
    "risk_bound": "closed_form", "family_terms": "closed_form", "Bound": "limits", "Recurrence": "recurrence",
    "find_recurrence": "recurrence_search", "closed_form_from_terms": "closed_form",
    "pooled_fit_identity": "pooled_fit", "PooledFitIdentity": "pooled_fit",
    # LaTeX
    "latex_snippet": "latex", "latex_pieces": "latex", "model_risk_latex": "latex", "ratio_table": "latex",
    # heavy tails and genealogy
    "categorical_truth": "models.categorical", "derive_memorizer_constant": "tails", "derive_tail_floor": "tails",
    "derive_generations_law": "tails", "ancestor_laws": "ancestry", "mean_field_step": "ancestry",
    # linear models in high dimension
    "linreg_risk": "highdim", "LinregRisk": "highdim", "feedback_polynomials": "highdim",
    "fresh_augment_terms": "highdim", "ratio_limit_fresh_augment": "highdim",
    "mp_resolvent_moments": "random_matrix",
}

__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_attributes(__name__, _PUBLIC)

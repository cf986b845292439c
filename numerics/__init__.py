"""Numerics: high-precision evaluation with error bounds, samplers and vectorised
estimators, Monte Carlo of real model fits, the Gaussian-process simulator, sweeps, plots.

The public names below load with their module on first use (:mod:`theory.lazy`),
so ``import numerics`` costs almost nothing: matplotlib loads with the plots, pandas
with the results table, SciPy with the models and simulators that use it.

==============================  ===========================================================
high precision                  :func:`limit_estimate`, :class:`Estimate`, :func:`ratios_mp`
Monte Carlo of real model fits  :func:`simulate`, :class:`SimulationConfig`,
                                :class:`SimulationResult`, :func:`numeric_model`,
                                :data:`NUMERIC_MODELS`, :class:`NumericModel`,
                                :func:`logistic_mle`, :class:`FitStatus`
the Gaussian-process simulator  :func:`simulate_gp`, :class:`GPResult`
Monte Carlo uncertainty         :func:`agreement`, :func:`ratio_stderr`
sweeps and their store          :func:`load_sweep`, :func:`run_sweep`, :class:`Sweep`,
                                :class:`SweepSummary`, :class:`SweepError`, :class:`StoreError`,
                                :func:`results_frame`, :func:`ratio_frame`
figures                         :func:`risk_ratio_figure`, :func:`plot_risk_ratios`,
                                :func:`exact_series`, :func:`simulated_series`,
                                :func:`store_series`, :class:`RatioSeries`,
                                :func:`plot_real_data`, :func:`new_figure`,
                                :func:`publication_style`, :func:`save_figure`
real data                       :data:`DATASETS`, :func:`load_dataset`, :func:`load_csv`,
                                :func:`split_dataset`, :func:`paper_split`,
                                :func:`first_generation`, :func:`run_real_data`,
                                :class:`RealDataResult`
heavy tails and curation        :func:`memorizer_constant`, :func:`tail_cut_error`,
                                :func:`tail_floor`, :func:`clean_error`,
                                :func:`fixed_point`, :class:`FixedPoint`, :func:`curated_path`
linear models in high dimension :func:`ridge_fit`, :class:`DesignRidge`, :func:`mp_integral`,
                                :func:`resolvent_moment`
==============================  ===========================================================

The engine underneath (random-number blocks, block sums, the cell loop of a sweep,
the executor) is in the modules of this package, for those who extend it.

Examples
--------
>>> from numerics import SimulationConfig, simulate
>>> result = simulate(SimulationConfig("poisson", {"lam": 2}, "augment", n=50, G=3, replicates=500), seed=1)
>>> result.exact, len(result.metrics["risk"]["mean"])
(True, 3)
"""

from theory.lazy import lazy_attributes

_PUBLIC = {
    # high precision
    "limit_estimate": "precision", "Estimate": "precision", "ratios_mp": "precision",
    # Monte Carlo of real model fits
    "simulate": "montecarlo", "SimulationConfig": "montecarlo", "SimulationResult": "montecarlo",
    "numeric_model": "models", "NUMERIC_MODELS": "models", "NumericModel": "models", "logistic_mle": "models",
    "FitStatus": "models",
    # the Gaussian-process simulator
    "simulate_gp": "gp_simulator", "GPResult": "gp_simulator",
    # Monte Carlo uncertainty
    "agreement": "uncertainty", "ratio_stderr": "uncertainty",
    # sweeps and their store
    "load_sweep": "sweep", "run_sweep": "sweep", "Sweep": "sweep", "SweepSummary": "sweep", "SweepError": "sweep",
    "StoreError": "store", "results_frame": "results", "ratio_frame": "results",
    # figures
    "risk_ratio_figure": "plots", "plot_risk_ratios": "plots", "plot_real_data": "plots", "new_figure": "plots",
    "publication_style": "plots", "save_figure": "plots", "exact_series": "figure_data",
    "simulated_series": "figure_data", "store_series": "figure_data", "RatioSeries": "figure_data",
    # real data
    "DATASETS": "real_data", "load_dataset": "real_data", "load_csv": "real_data", "split_dataset": "real_data",
    "paper_split": "real_data", "first_generation": "real_data", "run_real_data": "real_data",
    "RealDataResult": "real_data",
    # heavy tails and curation at high precision
    "memorizer_constant": "tails", "tail_cut_error": "tails", "tail_floor": "tails", "clean_error": "tails",
    "fixed_point": "curation", "FixedPoint": "curation", "curated_path": "curation",
    # linear models in high dimension
    "ridge_fit": "models.ridge", "DesignRidge": "models.ridge", "mp_integral": "marchenko_pastur",
    "resolvent_moment": "marchenko_pastur",
}

__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_attributes(__name__, _PUBLIC)

"""Numerics: high-precision evaluation with error bounds, samplers and vectorised
estimators, Monte Carlo of real model fits, the Gaussian-process simulator, sweeps, plots."""

from .block_sums import BlockSums, aggregate
from .curation import FixedPoint, curated_path, fixed_point
from .gp_simulator import GPResult, simulate_gp
from .models import NUMERIC_MODELS, BlockRandom, FitStatus, NumericModel, logistic_mle, numeric_model
from .montecarlo import (
    BLOCK,
    SimulationConfig,
    SimulationResult,
    block_seed,
    prepare,
    run_replicates,
    simulate,
    simulate_blocks,
)
from .precision import Estimate, limit_estimate, ratios_mp
from .results import results_frame
from .store import StoreBusyError, StoreError, SweepStore
from .sweep import Cell, Configuration, Sweep, SweepError, SweepSummary, configuration_stream, load_sweep, run_sweep
from .tails import clean_error, memorizer_constant, tail_cut_error, tail_floor
from .uncertainty import agreement, ratio_stderr

__all__ = [
    # high precision
    "Estimate", "limit_estimate", "ratios_mp",
    # models and Monte Carlo
    "NUMERIC_MODELS", "BlockRandom", "FitStatus", "NumericModel", "logistic_mle", "numeric_model", "BLOCK",
    "BlockSums", "SimulationConfig", "SimulationResult", "aggregate", "block_seed", "prepare", "run_replicates",
    "simulate", "simulate_blocks",
    # sweeps and their store
    "Cell", "Configuration", "Sweep", "SweepError", "SweepSummary", "configuration_stream", "load_sweep", "run_sweep",
    "StoreBusyError", "StoreError", "SweepStore", "results_frame",
    # Monte Carlo uncertainty
    "agreement", "ratio_stderr",
    # the Gaussian-process simulator
    "GPResult", "simulate_gp",
    # heavy tails and curation at high precision
    "clean_error", "memorizer_constant", "tail_cut_error", "tail_floor", "FixedPoint", "fixed_point", "curated_path",
]

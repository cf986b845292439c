"""Numerics: high-precision evaluation with error bounds, samplers and vectorised
estimators, Monte Carlo of real model fits, the Gaussian-process simulator, sweeps, plots."""

from .gp_simulator import GPResult, simulate_gp
from .models import NUMERIC_MODELS, BlockRandom, NumericModel, logistic_mle, numeric_model
from .montecarlo import (
    BLOCK,
    BlockSums,
    SimulationConfig,
    SimulationResult,
    aggregate,
    block_seed,
    prepare,
    run_replicates,
    simulate,
    simulate_blocks,
)
from .precision import Estimate, limit_estimate, ratios_mp

__all__ = [
    # high precision
    "Estimate", "limit_estimate", "ratios_mp",
    # models and Monte Carlo
    "NUMERIC_MODELS", "BlockRandom", "NumericModel", "logistic_mle", "numeric_model", "BLOCK", "BlockSums",
    "SimulationConfig", "SimulationResult", "aggregate", "block_seed", "prepare", "run_replicates", "simulate",
    "simulate_blocks",
    # the Gaussian-process simulator
    "GPResult", "simulate_gp",
]

"""Numerics: high-precision evaluation with error bounds, samplers and vectorised
estimators, Monte Carlo of real model fits, the Gaussian-process simulator, sweeps, plots."""

__all__: list[str] = []

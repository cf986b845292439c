"""The claims ledger and the command line: every claim with its symbolic, high-precision
and Monte Carlo evidence, and reports."""

__all__: list[str] = []

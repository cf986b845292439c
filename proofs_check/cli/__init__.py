"""The ``pi2over6`` command line (DESIGN.md: a contract that scripts rely on).

Each sub-command lives in its own module with ``register(subparsers)``, which adds
its parser and sets ``run(args) -> int``. Bad input of any kind ends with one line
on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "UsageError"]

COMMANDS = ["risk", "prove", "simulate", "verify", "latex", "plot", "sweep", "results", "real-data"]


class UsageError(ValueError):
    """Bad input on the command line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


def build_parser():
    parser = _Parser(prog="pi2over6", description="Verify the theory of model collapse, symbolically and "
                     "numerically (Dey & Donoho 2024).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for name in COMMANDS:
        module_name = f"proofs_check.cli.{name.replace('-', '_')}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name != module_name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        status = args.run(args)
    except (ValueError, TypeError, OSError, KeyError) as err:
        message = str(err) if not isinstance(err, KeyError) else f"unknown key {err}"
        print(f"pi2over6: error: {message}".splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pi2over6: interrupted", file=sys.stderr)
        return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())

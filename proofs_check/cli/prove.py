"""``pi2over6 prove``: the argument that a workflow family's risk ratios obey their law for every k.

    pi2over6 prove WORKFLOW [--dps D] [--json | --latex]

WORKFLOW is a family: a preset (``augment``, ``window:3``, ...) or a ``.json``/``.toml``
file with a ``then`` rule. The output is what a referee checks by hand
(:func:`theory.proofs.prove`): the family's state after each generation and its
one-step map, the second-moment recursion and its exact initial value, the recurrence
of R_k derived from it and why it holds for every k >= k0, the induction that makes the
closed form equal R_k, the limit (with D significant digits and its error bound) and
the bound. ``--json`` prints the same as one object, ``--latex`` as a LaTeX section
(needs ``amsmath``). A family whose recurrence could only be found from terms is
printed as a conjecture.
"""

from __future__ import annotations

import json

from .arguments import integer_in

__all__ = ["register", "run", "limit_value"]

MAX_DPS = 10_000


def register(subparsers):
    """Add the ``prove`` sub-command."""
    p = subparsers.add_parser(
        "prove", help="the proof, for every k, of a workflow family's recurrence, closed form, limit and bound",
        description="Derive, from the structure of WORKFLOW (a preset, or a file with a 'then' rule), the "
                    "state-space form, the second-moment recursion, the recurrence of R_k valid for every k >= k0, "
                    "the closed form by induction, the limit with an error bound and the bound; print the argument.")
    p.add_argument("workflow", metavar="WORKFLOW",
                   help="a preset (discard, augment, subsample, window:W, mix:L, weighted:W[:M]) or a "
                        ".json/.toml workflow file with a 'then' rule")
    p.add_argument("--dps", type=integer_in(1, MAX_DPS), default=30, metavar="D",
                   help="significant digits of the limit (default 30)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--latex", action="store_true", help="print a LaTeX section (needs amsmath)")
    p.set_defaults(run=run)
    return p


def limit_value(family, proof, dps):
    """The limit's decimal value and error bound as plain data, or None (an infinite or unknown limit)."""
    if proof.limit is None:
        return None
    import mpmath

    from numerics.precision import limit_estimate

    estimate = limit_estimate(family, dps)
    if not estimate.finite:
        return None
    return {"decimal": estimate.decimal, "error_bound": mpmath.nstr(estimate.error_bound, 3),
            "rigorous": estimate.rigorous, "method": estimate.method}


def run(args):
    """Run ``prove``; return the exit status."""
    from theory.families import family_of
    from theory.proof_report import proof_data, proof_latex, proof_text
    from theory.proofs import prove

    family = family_of(args.workflow)
    proof = prove(family)
    value = limit_value(family, proof, args.dps)
    if args.json:
        print(json.dumps(proof_data(proof, value)))
    elif args.latex:
        print(proof_latex(proof, value), end="")
    else:
        print(proof_text(proof, value))
    return 0

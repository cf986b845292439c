"""Hypothesis strategies shared by the test suites: random valid workflows as plain data."""

from fractions import Fraction

from hypothesis import strategies as st

from theory.rationals import rational_to_data

SIZES = st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(2), Fraction(3, 2), Fraction(1, 3), Fraction(3)])


@st.composite
def workflow_data(draw, max_generations=6, subsample=True, weights=True, min_generations=1):
    """A random valid workflow in the THEORY.md §2 data format.

    Every generation may collect fresh real data and emits with high probability;
    fits choose a non-empty subset of the batches that exist, whole or subsampled,
    pooled or weighted. ``min_generations`` may be 0 (an empty list, for a prefix).
    """
    G = draw(st.integers(min_generations, max_generations))
    real = draw(SIZES)
    available = {"R0": real}
    gens = []
    for k in range(1, G + 1):
        gen = {}
        if k > 1 and draw(st.booleans()):
            gen["new_real"] = rational_to_data(draw(SIZES))
            available[f"R{k}"] = Fraction(gen["new_real"])
        names = sorted(available)
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=min(4, len(names)), unique=True))
        weighted = weights and draw(st.booleans())
        fit = []
        for name in chosen:
            size = available[name]
            if subsample and draw(st.booleans()):
                count = size * draw(st.sampled_from([Fraction(1, 2), Fraction(1, 3), Fraction(2, 3)]))
            else:
                count = size
            entry = {"batch": name, "count": rational_to_data(count)}
            if weighted:
                entry["weight"] = rational_to_data(draw(st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(2)])))
            fit.append(entry)
        gen["fit"] = fit
        if draw(st.integers(0, 9)) < 8:
            gen["emit"] = rational_to_data(draw(SIZES))
            emitted = Fraction(gen["emit"])
        else:
            emitted = None
        gens.append(gen)
        if emitted is not None:
            available[f"S{k}"] = emitted
    return {"real": rational_to_data(real), "generations": gens}


# Relative and absolute names a rule may use together without naming one batch twice.
# An absolute synthetic name (S1) beside relative ones needs a listed prefix; other draws are skipped.
_SYNTHETIC_PARTS = [[], ["S[:]"], ["S[-1]"], ["S[-2]"], ["S[-1:]"], ["S[-2:]"], ["S[-3:]"], ["S[-1]", "S[-3]"],
                    ["S[-2:]", "S[-4]"], ["S1", "S[-2]"], ["S1"]]
_REAL_PARTS = [[], ["R0"], ["R[0]"], ["R[-1]"], ["R0", "R[0]"], ["R[-1:]"], ["R[-2:]"], ["R[:]"], ["R0", "R[-1]"]]
RULE_COUNTS = st.sampled_from([Fraction(1, 4), Fraction(1, 6), Fraction(1, 3)])  # at most every size in SIZES
RULE_WEIGHTS = st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(2), Fraction(0)])


@st.composite
def rule_data(draw, synthetic=None, real=None):
    """A random ``then`` rule: relative and absolute names, counts, weights, new_real and emit."""
    names = list(draw(st.sampled_from(_SYNTHETIC_PARTS)) if synthetic is None else synthetic)
    names += draw(st.sampled_from(_REAL_PARTS)) if real is None else real
    if not names:
        names = ["R0"]
    rule = {}
    if any(n.startswith("R[") for n in names) or draw(st.booleans()):
        rule["new_real"] = rational_to_data(draw(SIZES))
    weighted = draw(st.booleans())
    fit = []
    for name in names:
        entry = {"batch": name}
        if draw(st.integers(0, 2)) == 0:
            entry["count"] = rational_to_data(draw(RULE_COUNTS))
        if weighted:
            entry["weight"] = rational_to_data(draw(RULE_WEIGHTS))
        fit.append(entry)
    if weighted and all(Fraction(e["weight"]) == 0 for e in fit):
        fit[0]["weight"] = 1
    rule["fit"] = fit
    if any(n.startswith("S") for n in names) or draw(st.integers(0, 4)) > 0:
        rule["emit"] = rational_to_data(draw(SIZES))
    return rule


def valid_rule_workflow(data, name="random family"):
    """The Workflow of a family's data, if it is valid for the listed generations and eight more (else skip)."""
    from hypothesis import assume

    from theory import Workflow
    from theory.workflow import WorkflowError

    try:
        wf = Workflow.from_data(data, name=name)
        wf.expand(len(data["generations"]) + 8)
    except WorkflowError:
        assume(False)
    return wf


@st.composite
def rule_family_data(draw, max_prefix=4):
    """A random family: a listed prefix of 0..max_prefix random generations, then a random rule."""
    data = draw(workflow_data(max_generations=max_prefix, min_generations=0))
    data["then"] = draw(rule_data())
    return data


LAWS = st.sampled_from(["augment", "discard", "window:2", "mix:0.5", "subsample", "weighted:0.5"])


@st.composite
def law_then_change_data(draw, min_prefix=10, max_prefix=45):
    """A family that follows one preset's law for a long listed prefix, then changes to a random rule."""
    from theory.presets import preset

    law, length = draw(LAWS), draw(st.integers(min_prefix, max_prefix))
    data = preset(law, length).to_data()
    data.pop("name", None)
    data["then"] = draw(rule_data())
    return data

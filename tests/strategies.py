"""Hypothesis strategies shared by the test suites: random valid workflows as plain data."""

from fractions import Fraction

from hypothesis import strategies as st

from theory.rationals import rational_to_data

SIZES = st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(2), Fraction(3, 2), Fraction(1, 3), Fraction(3)])


@st.composite
def workflow_data(draw, max_generations=6, subsample=True, weights=True):
    """A random valid workflow in the THEORY.md §2 data format.

    Every generation may collect fresh real data and emits with high probability;
    fits choose a non-empty subset of the batches that exist, whole or subsampled,
    pooled or weighted.
    """
    G = draw(st.integers(1, max_generations))
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

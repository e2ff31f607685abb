"""Each check's share of its part's points (autograder/core/shares.py).

Oracles: exact rational arithmetic (``fractions.Fraction``) for "the sum is exact", the
exact share P·w/Σw for "within a grain", and shares worked out by hand.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from autograder.core.shares import FINEST, grain, shares, unit


def test_shares_worked_out_by_hand():
    # largest remainder in quarter points: 10/7 = 1.43 is 5.71 quarters, five checks get 6
    assert shares(10, [1] * 7) == [1.5] * 5 + [1.25] * 2
    assert shares(1, [1] * 7) == [0.15625] * 4 + [0.125] * 3  # 32nds: 4.57 each
    assert shares(2.5, [1, 1]) == [1.25, 1.25]


def test_the_kits_own_configs_keep_their_exact_shares():
    assert shares(1, [1, 1]) == [0.5, 0.5]
    assert shares(7, [1] * 7) == [1.0] * 7
    assert shares(7, [3, 2, 1, 1]) == [3.0, 2.0, 1.0, 1.0]
    assert shares(2, [1, 1, 0]) == [1.0, 1.0, 0.0]
    assert shares(0, [1, 1]) == [0.0, 0.0] and shares(3, [0, 0]) == [0.0, 0.0]


def test_a_part_that_is_no_binary_fraction_still_sums_to_its_points():
    assert shares(2.3, [1, 1, 1]) == [0.8, 0.75, 0.75]
    assert sum(shares(2.3, [1, 1, 1])) == 2.3
    assert sum(shares(0.1, [1, 1])) == 0.1


def test_unit_is_the_common_measure():
    assert unit([1.5, 1.25]) == 0.25
    assert unit([1.0, 1.0]) == 1.0
    assert unit([0.5, 0.0]) == 0.5
    assert unit([0.0]) is None
    assert unit([0.8, 0.75]) is None  # 0.8 is no short binary fraction


points = st.integers(1, 400).map(lambda quarters: quarters / 4)  # 0.25 to 100
weights = st.lists(st.sampled_from([0, 1, 1, 1, 2, 3, 0.5]), min_size=1, max_size=12)


@given(points, weights, st.data())
def test_shares_are_whole_grains_within_a_grain_and_every_sum_is_exact(p, w, data):
    got = shares(p, w)
    if sum(w) == 0:
        assert got == [0.0] * len(w)
        return
    exact = [Fraction(p) * Fraction(x) / Fraction(sum(w)) for x in w]
    g = grain([float(e) for e in exact])
    while g > FINEST and not (p / g).is_integer():
        g /= 2
    assert FINEST <= g <= 1
    assert sum(got) == p  # as floats, added left to right as a reporter would
    for share, e, x in zip(got, exact, w):
        assert Fraction(share) % Fraction(g) == 0
        assert abs(Fraction(share) - e) <= g
        assert (share > 0) == (x > 0) or p / g < sum(v > 0 for v in w)
    # any set of passed checks sums exactly (what a partial grade adds up)
    passed = data.draw(st.lists(st.booleans(), min_size=len(w), max_size=len(w)))
    floats = 0.0
    for share, ok in zip(got, passed):
        floats += share if ok else 0.0
    assert Fraction(floats) == sum(Fraction(s) for s, ok in zip(got, passed) if ok)

"""The spike test on series with a known rise, on noise, and on busy places."""

from __future__ import annotations

import math
import random

import pytest

from alerts.detectors import poisson_tail, spike_test


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth), so the noise test needs nothing but the standard library."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


@pytest.mark.parametrize("count, mean, expected", [
    (0, 2.0, 1.0), (1, 2.0, 1 - math.exp(-2)), (3, 1.0, 1 - math.exp(-1) * (1 + 1 + 0.5)),
])
def test_poisson_tail_matches_the_formula(count, mean, expected):
    assert poisson_tail(count, mean) == pytest.approx(expected, rel=1e-9)


def test_poisson_tail_far_out_keeps_its_digits():
    # P(X >= 40 | mean 2) is about 1.5e-37: 1 - P(X < 40) would give 0
    assert 1e-38 < poisson_tail(40, 2.0) < 1e-36


def test_a_burst_at_a_quiet_place_fires():
    result = spike_test(9, [0, 1, 0, 2, 1, 0, 1])
    assert result.fired and result.p_value < 1e-4 and result.expected == pytest.approx(5 / 7)


def test_a_first_burst_where_nothing_was_ever_posted_fires_but_one_post_does_not():
    assert spike_test(6, [0] * 7).fired
    assert not spike_test(1, [0] * 7).fired  # below min_count
    assert not spike_test(2, [0] * 7, min_count=1).fired  # two posts are not improbable at 0.5 a day


def test_busy_places_are_judged_by_their_own_spread():
    baseline = [48, 55, 41, 60, 52, 45, 49]
    assert not spike_test(62, baseline).fired
    assert spike_test(95, baseline).fired


def test_noise_rarely_fires():
    rng = random.Random(20240301)
    fired = 0
    trials = 2000
    for _ in range(trials):
        mean = rng.choice([0.3, 1.0, 3.0, 8.0, 30.0])
        baseline = [poisson(rng, mean) for _ in range(7)]
        fired += spike_test(poisson(rng, mean), baseline).fired
    assert fired / trials < 0.01, f"{fired} of {trials} noise series fired"


def test_a_known_rise_in_noise_is_found():
    rng = random.Random(7)
    found = 0
    for _ in range(200):
        baseline = [poisson(rng, 2.0) for _ in range(7)]
        found += spike_test(poisson(rng, 14.0), baseline).fired  # seven times the usual
    assert found / 200 > 0.9

"""The spike test: is the latest count unusual against the same place's own history?

``spike_test(count, baseline, k=3, alpha=0.001, min_count=5)`` compares the count of the latest window
with the counts of the same-length windows before it (the baseline):

- expected = the baseline mean; spread = the baseline standard deviation, but never less than the
  Poisson spread sqrt(expected) (a quiet place with a flat history of 0, 0, 1 would otherwise make any
  second post look infinitely unusual);
- for small expectations (expected < 10) the count must also be improbable under a Poisson law with that
  mean: P(X >= count) < alpha, with the mean floored at 0.5 so that a first burst at a place that has
  never had a post is judged against "about one post every other window", not against zero;
- it fires when the count is at least ``min_count``, above expected + k * spread, and (for small
  expectations) the Poisson tail is below ``alpha``.

So a rise is caught without a fixed threshold per place: 6 posts where there are usually 0 or 1 fire, 60
where there are usually 50 +- 10 do not.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

__all__ = ["SpikeResult", "spike_test", "poisson_tail"]

_SMALL = 10.0  # below this expected count the Poisson tail decides alongside the k-sigma rule
_MIN_RATE = 0.5


@dataclass(frozen=True)
class SpikeResult:
    fired: bool
    count: int
    expected: float
    spread: float
    z: float
    p_value: float | None  # Poisson tail, for small expectations


def poisson_tail(count: int, mean: float) -> float:
    """P(X >= count) for X ~ Poisson(mean), computed in log space (exact for the counts met here)."""
    if count <= 0:
        return 1.0
    log_mean = math.log(mean)
    below = 0.0  # P(X < count)
    term_log = -mean  # log P(X = 0)
    for i in range(count):
        if i:
            term_log += log_mean - math.log(i)
        below += math.exp(term_log)
    return max(0.0, 1.0 - below) if below < 0.999999 else _upper_tail(count, mean)


def _upper_tail(count: int, mean: float) -> float:
    """Sum of P(X = i) for i >= count directly (when 1 - P(X < count) would lose every digit)."""
    term_log = -mean + count * math.log(mean) - math.lgamma(count + 1)
    total, i = 0.0, count
    while True:
        term = math.exp(term_log)
        total += term
        if term < total * 1e-12 or i > count + 10_000:
            return total
        i += 1
        term_log += math.log(mean) - math.log(i)


def spike_test(count: int, baseline: list[int], k: float = 3.0, alpha: float = 0.001,
               min_count: int = 5) -> SpikeResult:
    """Whether ``count`` is a spike against ``baseline`` (see the module docstring)."""
    expected = statistics.fmean(baseline) if baseline else 0.0
    sd = statistics.pstdev(baseline) if len(baseline) > 1 else 0.0
    spread = max(sd, math.sqrt(max(expected, _MIN_RATE)))
    z = (count - expected) / spread
    p_value = poisson_tail(count, max(expected, _MIN_RATE)) if expected < _SMALL else None
    fired = count >= min_count and z > k and (p_value is None or p_value < alpha)
    return SpikeResult(fired=fired, count=count, expected=expected, spread=spread, z=z, p_value=p_value)

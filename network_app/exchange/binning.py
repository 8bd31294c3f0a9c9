"""Numeric edge weights binned into tie strengths 1..5.

>>> bin_weights([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
[1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
>>> bin_weights([2.0, 2.0, 2.0])
[3, 3, 3]
>>> bin_weights([1, 2, 10], method="equal")
[1, 1, 5]
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right

BINNINGS = {
    "quantile": "Quantiles: the weakest fifth of ties gets 1, the strongest fifth 5",
    "equal": "Equal widths: the range from the lowest to the highest weight cut in five",
    "round": "As is: weights rounded and kept between 1 and 5",
}


def bin_weights(weights: list[float], method: str = "quantile") -> list[int]:
    """Strengths 1..5 for ``weights`` (same order).

    ``quantile`` (the default) ranks the weights: a weight's strength is one plus the fifth of
    the sorted weights its mid-rank falls in, so equal weights always get equal strengths.
    All-equal weights carry no information and get the middle strength 3 (except with
    ``round``, which keeps each value, rounded and clamped to 1..5).
    """
    if method not in BINNINGS:
        raise ValueError(f"unknown binning {method!r}")
    if not weights:
        return []
    if method == "round":
        return [min(5, max(1, math.floor(w + 0.5))) for w in weights]
    low, high = min(weights), max(weights)
    if low == high:
        return [3] * len(weights)
    if method == "equal":
        width = (high - low) / 5
        return [min(5, 1 + int((w - low) / width)) for w in weights]
    ordered = sorted(weights)
    n = len(ordered)
    cache: dict[float, int] = {}
    result = []
    for w in weights:
        if w not in cache:
            midrank = (bisect_left(ordered, w) + bisect_right(ordered, w)) / 2
            cache[w] = min(5, 1 + int(5 * midrank / n))
        result.append(cache[w])
    return result

"""Splitting an amount over lines in minor units so that the parts add up exactly."""

from collections.abc import Sequence


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (non-negative), rounding down and handing the
    units left over to the largest remainders (ties: the earlier weight). With ``0 <= total <=
    sum(weights)`` no part exceeds its weight."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    parts = []
    remainders = []
    for i, weight in enumerate(weights):
        share, rest = divmod(total * weight, whole)
        parts.append(share)
        remainders.append((-rest, i))
    left = total - sum(parts)
    if left:
        for _, i in sorted(remainders)[:left]:
            parts[i] += 1
    return parts

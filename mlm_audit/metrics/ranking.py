"""The first rows of a ranking without sorting them all."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def first_k(keys: npt.NDArray[np.integer], k: int) -> npt.NDArray[np.intp]:
    """``np.argsort(keys, kind="stable")[:k]``: the positions of the ``k`` smallest keys,
    ties by position. Only the rows at or below the k-th smallest key are sorted (a
    partition finds it), not all of them: a report lists its top 20 of a million agents."""
    n = keys.size
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.intp)
    if k >= n:
        return np.argsort(keys, kind="stable")
    kth = np.partition(keys, k - 1)[k - 1]
    cand = np.flatnonzero(keys <= kth)  # ascending positions: the stable sort keeps them so
    return cand[np.argsort(keys[cand], kind="stable")][:k]

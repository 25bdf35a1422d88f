"""Generations between agents from the packed tree table and from the plain arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from mlm_audit import preflight
from mlm_audit.generate import Spec, generate
from mlm_audit.io import load_dataset


def test_gen_from_the_packed_table_matches_the_arrays(tmp_path: Path) -> None:
    generate("pyramid", Spec(400, 5, orders_per_agent=1), tmp_path)
    net, _ = preflight.run(load_dataset(tmp_path))
    dim = net.dim
    rng = np.random.default_rng(1)
    u = rng.integers(-1, dim.n, 20000).astype(np.int32)
    v = np.where(rng.random(20000) < 0.5, rng.integers(-1, dim.n, 20000),
                 np.argsort(dim.pre)[np.minimum(dim.pre[np.maximum(u, 0)]
                                                + rng.integers(0, 4, 20000), dim.n - 1)])
    v = v.astype(np.int32)
    packed = dim.gen(u, v)
    assert dim._tree is not None and (packed > 0).sum() > 100 and (packed == -1).sum() > 100
    dim.__dict__["_tree"] = None  # as when the numbers do not fit
    assert np.array_equal(packed, dim.gen(u, v))
    assert pl.Series(packed).dtype == pl.Int32

"""Vectorized metrics: tree arrays (``tree``) and per-agent money (``money``)."""

"""Synthetic scenarios for demos, tests and benchmarks (``mlm-audit generate``).

``retail`` (lawful: shallow, sales to outside customers), ``cps`` (one-level referral
commissions), ``pyramid`` (entry fees, recruitment bonuses, deep chains) and ``stocking``
(微商 agency tiers loaded with stock). Output is deterministic for a seed.
"""

from __future__ import annotations

from mlm_audit.generate.common import Spec
from mlm_audit.generate.run import SCENARIOS, generate

__all__ = ["SCENARIOS", "Spec", "generate"]

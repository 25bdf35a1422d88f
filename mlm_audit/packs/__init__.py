"""Rule packs: schema, YAML loading with line numbers, validation and overrides."""

from mlm_audit.packs.loader import (
    Pack,
    PackError,
    Rule,
    apply_overrides,
    collect_rules,
    load_pack,
    rules_dir,
    shipped_packs,
)

__all__ = [
    "Pack", "PackError", "Rule", "apply_overrides", "collect_rules", "load_pack", "rules_dir",
    "shipped_packs",
]

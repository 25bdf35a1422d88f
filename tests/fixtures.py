"""Paths shared by tests."""

from pathlib import Path

# Tests that count findings pin this pack, so growing the shipped packs leaves them alone.
STRUCTURE_PACK = str(Path(__file__).resolve().parent / "structure_pack.yaml")
# ``mlm-audit audit`` with that pack: argv prefix
AUDIT = ["audit", "--pack", STRUCTURE_PACK]

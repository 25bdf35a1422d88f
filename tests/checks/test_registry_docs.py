"""Every check module is registered and documented; docs/checks.md matches the registry."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest

import mlm_audit.checks as checks_pkg
from mlm_audit import docs_gen
from mlm_audit.checks import REGISTRY
from mlm_audit.packs import load_pack

MODULES = sorted(m.name for m in pkgutil.iter_modules(checks_pkg.__path__)
                 if m.name != "base" and not m.name.startswith("_"))


def test_every_module_is_registered() -> None:
    assert sorted(REGISTRY) == MODULES


@pytest.mark.parametrize("name", MODULES)
def test_documented_with_a_valid_example(name: str, tmp_path: Path) -> None:
    ct = REGISTRY[name]
    assert ct.summary and "Evidence" in ct.doc, f"{name}: docstring incomplete"
    for field, info in ct.params.model_fields.items():
        assert info.description, f"{name}.{field}: no description"
    example = docs_gen.example_yaml(ct.doc)
    assert example, f"{name}: no YAML example"
    pack = tmp_path / "example.yaml"
    body = "\n".join("  " + line for line in example.splitlines())
    pack.write_text(f"pack: example\nversion: 1\ntitle: {{en: e, zh: e}}\nrules:\n{body}\n"
                    .replace("severity:", "title: {en: t, zh: t}\n    severity:"),
                    encoding="utf-8")
    loaded = load_pack(str(pack))
    assert [r.model.check for r in loaded.rules] == [name]


def test_docs_checks_md_is_current() -> None:
    path = docs_gen.DOCS / "checks.md"
    assert path.read_text(encoding="utf-8") == docs_gen.checks_md(), (
        "docs/checks.md drifted from the registry; run python -m mlm_audit.docs_gen")


def test_docs_rule_packs_md_is_current() -> None:
    path = docs_gen.DOCS / "rule-packs.md"
    assert path.read_text(encoding="utf-8") == docs_gen.packs_md(), (
        "docs/rule-packs.md drifted from rules/; run python -m mlm_audit.docs_gen")


def test_docs_gen_check_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docs_gen, "DOCS", tmp_path)
    assert docs_gen.main(["--check"]) == 1
    assert docs_gen.main([]) == 0
    assert docs_gen.main(["--check"]) == 0
    assert "## `payout_cap`" in (tmp_path / "checks.md").read_text(encoding="utf-8")


def test_param_table_shows_bounds() -> None:
    rows = {r["name"]: r for r in docs_gen.param_rows(REGISTRY["payout_cap"].params)}
    assert rows["max_ratio"]["bounds"] == "> 0.0, ≤ 100.0"
    assert rows["max_ratio"]["default"] == "required"
    assert rows["window"]["type"] == "'month' | 'quarter' | 'year'"

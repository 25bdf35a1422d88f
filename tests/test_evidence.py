"""Evidence bundles: build, verify intact, detect tampering, re-run from the data."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mlm_audit import evidence, pipeline
from mlm_audit.model import Severity
from tests.reports.sample import PACK, _agents, _orders, _payouts

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


def write_data(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _agents().write_csv(folder / "agents.csv")
    _orders().write_csv(folder / "orders.csv")
    _payouts().write_csv(folder / "payouts.csv")
    return folder


def make_bundle(tmp_path: Path, data: Path | None = None) -> tuple[Path, Path]:
    data = write_data(data or tmp_path / "data")
    packs = pipeline.load_packs([str(PACK)])
    inputs = pipeline.Inputs(path=data)
    result = pipeline.audit(pipeline.prepare(inputs), packs, [], Severity.high)
    rec = evidence.Recorded(["mlm-audit", "audit", str(data)], {"path": str(data)},
                            [str(PACK)])
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(evidence.build(result, packs, rec, NOW))
    return bundle, data


def rewrite(bundle: Path, name: str, change) -> None:
    with zipfile.ZipFile(bundle) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[name] = change(members[name])
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in members.items():
            zf.writestr(n, d)


def test_manifest_records_everything(tmp_path: Path) -> None:
    bundle, _ = make_bundle(tmp_path)
    with zipfile.ZipFile(bundle) as zf:
        m = json.loads(zf.read(evidence.MANIFEST))
        names = set(zf.namelist())
    assert m["created_at"] == "2024-05-06T07:08:09Z"
    assert m["command"][:2] == ["mlm-audit", "audit"]
    assert m["tool"]["name"] == "mlm-audit"
    assert {i["table"] for i in m["inputs"]} == {"agents", "orders", "payouts"}
    assert all(len(i["sha256"]) == 64 for i in m["inputs"])
    assert {f["path"] for f in m["files"]} == names - {evidence.MANIFEST, evidence.MANIFEST_HASH}
    assert "reports/report.zh.html" in names and "packs/01-golden-sample.yaml" in names


def test_intact_bundle_verifies(tmp_path: Path) -> None:
    bundle, data = make_bundle(tmp_path)
    v = evidence.verify(bundle)
    assert v.ok, v.differences
    v = evidence.verify(bundle, data)
    assert v.ok, v.differences
    assert any(c.startswith("re-run: 2 findings match") for c in v.checked)


def test_bundle_is_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundles = []
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        monkeypatch.chdir(tmp_path / sub)
        bundles.append(make_bundle(tmp_path / sub, Path("data"))[0].read_bytes())
    assert bundles[0] == bundles[1]


def test_tampered_member_is_named(tmp_path: Path) -> None:
    bundle, _ = make_bundle(tmp_path)
    rewrite(bundle, "reports/report.en.html", lambda d: d.replace(b"FAIL", b"PASS", 1))
    v = evidence.verify(bundle)
    assert not v.ok
    assert [d.split(":")[0] for d in v.differences] == ["reports/report.en.html"]


def test_single_flipped_byte_is_detected(tmp_path: Path) -> None:
    bundle, _ = make_bundle(tmp_path)
    raw = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as zf:
        info = zf.getinfo("findings.json")
    # the member's data starts after its 30-byte local header, name and extra field
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0x01
    bundle.write_bytes(bytes(raw))
    v = evidence.verify(bundle)
    assert not v.ok
    assert any(d.startswith("findings.json") for d in v.differences), v.differences


def test_edited_manifest_is_detected(tmp_path: Path) -> None:
    bundle, _ = make_bundle(tmp_path)
    rewrite(bundle, evidence.MANIFEST, lambda d: d.replace(b"2024-05-06", b"2024-05-07"))
    v = evidence.verify(bundle)
    assert any(d.startswith("manifest.json") for d in v.differences)


def test_added_and_removed_members(tmp_path: Path) -> None:
    bundle, _ = make_bundle(tmp_path)
    with zipfile.ZipFile(bundle, "a") as zf:
        zf.writestr("extra.txt", b"x")
    v = evidence.verify(bundle)
    assert any(d.startswith("extra.txt: in the bundle but not listed") for d in v.differences)


def test_changed_data_is_named_and_findings_compared(tmp_path: Path) -> None:
    bundle, data = make_bundle(tmp_path)
    agents = (data / "agents.csv").read_text("utf-8").splitlines()
    kept = [line for line in agents if not line.startswith(("C1", "C2"))]  # 12 agents fewer
    (data / "agents.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    v = evidence.verify(bundle, data)
    assert any(d.startswith("input agents:") for d in v.differences)
    assert any("evidence.participants 53 in the bundle" in d for d in v.differences), \
        v.differences


def test_not_a_bundle(tmp_path: Path) -> None:
    junk = tmp_path / "x.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(evidence.BundleError, match="not a zip"):
        evidence.verify(junk)
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("a.txt", "a")
    with pytest.raises(evidence.BundleError, match="no manifest.json"):
        evidence.verify(plain)
    with pytest.raises(evidence.BundleError, match="no such file"):
        evidence.verify(tmp_path / "missing.zip")

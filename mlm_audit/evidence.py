"""Evidence bundles: the reports, the findings, the packs used and a manifest, in one zip that
anyone can re-verify.

The manifest records the tool version, the command line, the time (injected clock) and the
sha256 of every input, pack and output. ``manifest.sha256`` holds the manifest's own hash so
an edit to the manifest is caught too. :func:`verify` re-checks every hash and, given the
data, re-runs the audit from the recorded inputs and says exactly what differs.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mlm_audit import i18n
from mlm_audit.io.readers import sha256_file
from mlm_audit.model import AuditResult
from mlm_audit.packs import Pack
from mlm_audit.reports import RENDERERS, common

BUNDLE_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"
FINDINGS = "findings.json"
# member name -> (format, language or None)
REPORTS: dict[str, tuple[str, str | None]] = {
    FINDINGS: ("json", None),
    "reports/findings.csv": ("csv", None),
    "reports/agents.csv": ("csv-agents", None),
    "reports/evidence.graphml": ("graphml", None),
    "reports/report.junit.xml": ("junit", None),
    "reports/report.sarif": ("sarif", None),
    **{f"reports/report.{lang}.html": ("html", lang) for lang in i18n.LANGS},
    **{f"reports/report.{lang}.md": ("md", lang) for lang in i18n.LANGS},
}


class BundleError(Exception):
    """Not an evidence bundle at all (exit code 2)."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Recorded:
    """How the audit was run, as the CLI received it: enough to run it again."""

    argv: list[str]
    inputs: dict[str, str | None]  # path, agents, orders, payouts, mapping (as given)
    pack_names: list[str]
    sets: list[str] = field(default_factory=list)
    fail_on: str = "high"
    lang: str = "en"
    outputs: list[Path] = field(default_factory=list)  # files written with -o in the same run


def render_reports(result: AuditResult, lang: str, now: datetime | None) -> dict[str, bytes]:
    out = {}
    for name, (fmt, member_lang) in REPORTS.items():
        out[name] = RENDERERS[fmt](result, lang=member_lang or lang, now=now).encode("utf-8")
    return out


def pack_members(packs: Sequence[Pack]) -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    members: dict[str, bytes] = {}
    listed = []
    for k, p in enumerate(packs):
        name = f"packs/{k + 1:02d}-{p.name}.yaml"
        data = Path(p.path).read_bytes()
        members[name] = data
        listed.append({"pack": p.name, "version": p.model.version, "source": p.path,
                       "file": name, "sha256": sha256(data), "extends": list(p.model.extends)})
    return members, listed


def build(result: AuditResult, packs: Sequence[Pack], rec: Recorded,
          now: datetime | None) -> bytes:
    """The bundle as zip bytes (written by the caller)."""
    members = render_reports(result, rec.lang, now)
    pack_files, pack_list = pack_members(packs)
    members.update(pack_files)
    mapping = rec.inputs.get("mapping")
    inputs = [{"table": i.table, "path": i.path, "sha256": i.sha256, "encoding": i.encoding,
               "format": i.format, "rows_read": i.rows_read, "rows_loaded": i.rows_loaded}
              for i in sorted(result.inputs, key=lambda i: (i.table, i.path))]
    if mapping:
        data = Path(mapping).read_bytes()
        members["config/mapping.yaml"] = data
        inputs.append({"table": "mapping", "path": mapping, "sha256": sha256(data),
                       "file": "config/mapping.yaml"})
    manifest = {
        "bundle_version": BUNDLE_VERSION,
        "tool": result.tool,
        "created_at": common.stamp(now),
        "command": rec.argv,
        "audit": {"inputs": rec.inputs, "packs": rec.pack_names, "sets": rec.sets,
                  "fail_on": rec.fail_on, "lang": rec.lang},
        "inputs": inputs,
        "packs": pack_list,
        "files": [{"path": n, "sha256": sha256(d), "bytes": len(d)}
                  for n, d in sorted(members.items())],
        "outputs": [{"path": str(p), "sha256": sha256_file(p)} for p in rec.outputs
                    if p.is_file()],
        "summary": result.summary(),
    }
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in [MANIFEST, MANIFEST_HASH, *sorted(members)]:
            data = (manifest_bytes if name == MANIFEST else
                    f"{sha256(manifest_bytes)}  {MANIFEST}\n".encode() if name == MANIFEST_HASH
                    else members[name])
            info = zipfile.ZipInfo(name, date_time=_zip_time(now))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def _zip_time(now: datetime | None) -> tuple[int, int, int, int, int, int]:
    if now is None:
        return (1980, 1, 1, 0, 0, 0)
    return (max(now.year, 1980), now.month, now.day, now.hour, now.minute, now.second)


@dataclass
class Verification:
    checked: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.differences


def read_member(zf: zipfile.ZipFile, name: str) -> bytes | None:
    """A member's bytes, or None when it is damaged (bad CRC, corrupt deflate stream)."""
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return None


def open_bundle(path: Path) -> tuple[zipfile.ZipFile, Verification]:
    if not path.is_file():
        raise BundleError(f"{path}: no such file")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise BundleError(f"{path}: not an evidence bundle (not a zip archive: {e})") from None
    names = set(zf.namelist())
    if MANIFEST not in names:
        raise BundleError(f"{path}: not an evidence bundle (no {MANIFEST} inside)")
    v = Verification()
    raw = read_member(zf, MANIFEST)
    if raw is None:
        v.differences.append(f"{MANIFEST}: damaged (CRC or compression error)")
        return zf, v
    expected = read_member(zf, MANIFEST_HASH)
    if expected is None or expected.decode(errors="replace").split()[:1] != [sha256(raw)]:
        v.differences.append(f"{MANIFEST}: sha256 does not match {MANIFEST_HASH}")
    try:
        v.manifest = json.loads(raw)
    except ValueError:
        if v.differences:
            return zf, v
        raise BundleError(f"{path}: {MANIFEST} is not JSON") from None
    if not isinstance(v.manifest, dict) or "files" not in v.manifest:
        raise BundleError(f"{path}: {MANIFEST} has no file list; not an evidence bundle")
    return zf, v


def check_hashes(zf: zipfile.ZipFile, v: Verification) -> None:
    listed = {f["path"]: f["sha256"] for f in v.manifest.get("files", [])}
    for name, digest in sorted(listed.items()):
        if name not in zf.namelist():
            v.differences.append(f"{name}: listed in the manifest but missing from the bundle")
            continue
        data = read_member(zf, name)
        if data is None:
            v.differences.append(f"{name}: damaged (CRC or compression error)")
        elif sha256(data) != digest:
            v.differences.append(f"{name}: sha256 {sha256(data)} differs from the manifest's "
                                 f"{digest}")
        else:
            v.checked.append(name)
    for name in sorted(set(zf.namelist()) - set(listed) - {MANIFEST, MANIFEST_HASH}):
        v.differences.append(f"{name}: in the bundle but not listed in the manifest")
    for out in v.manifest.get("outputs", []):  # reports written beside the bundle, if still there
        p = Path(out["path"])
        if not p.is_file():
            continue
        if sha256_file(p) != out["sha256"]:
            v.differences.append(f"{p}: sha256 differs from the manifest's {out['sha256']}")
        else:
            v.checked.append(str(p))


def verify(path: Path, data: Path | None = None) -> Verification:
    """Re-check every hash; with ``data``, also re-run the audit and compare the findings."""
    zf, v = open_bundle(path)
    with zf:
        if v.manifest:
            check_hashes(zf, v)
            if data is not None:
                rerun(zf, v, data)
    return v


def locate_inputs(manifest: dict[str, Any], data: Path, v: Verification) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for rec in manifest.get("inputs", []):
        if rec.get("table") == "mapping":
            continue
        name = Path(rec["path"]).name
        candidate = data if data.is_file() and data.name == name else data / name
        if not candidate.is_file():
            v.differences.append(f"input {rec['table']} ({name}): not found in {data}")
            continue
        digest = sha256_file(candidate)
        if digest != rec["sha256"]:
            v.differences.append(f"input {rec['table']}: {candidate} sha256 {digest} differs "
                                 f"from the recorded {rec['sha256']}")
        else:
            v.checked.append(f"input {rec['table']}: {candidate}")
        found[rec["table"]] = candidate
    return found


def rerun(zf: zipfile.ZipFile, v: Verification, data: Path) -> None:
    import tempfile

    from mlm_audit import pipeline
    from mlm_audit.model import InputError, Severity
    from mlm_audit.packs import load_pack
    from mlm_audit.reports import json_report

    m = v.manifest
    files = locate_inputs(m, data, v)
    if "agents" not in files:
        return
    audit = m.get("audit", {})
    with tempfile.TemporaryDirectory() as tmp:
        extracted = {}
        for name in [p["file"] for p in m.get("packs", [])] + [
                i["file"] for i in m.get("inputs", []) if i.get("file")]:
            target = Path(tmp) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read_member(zf, name) or b"")
            extracted[name] = target
        mapping = extracted.get("config/mapping.yaml")
        try:
            packs = [load_pack(str(extracted[p["file"]])) for p in m.get("packs", [])]
            inputs = pipeline.Inputs(None, files.get("agents"), files.get("orders"),
                                     files.get("payouts"), mapping)
            result = pipeline.audit(pipeline.prepare(inputs), packs, audit.get("sets", []),
                                    Severity.parse(audit.get("fail_on", "high")))
        except InputError as e:
            v.differences.append(f"re-run failed: {e}")
            return
    recorded_raw = read_member(zf, FINDINGS)
    if recorded_raw is None:
        return
    compare(json.loads(recorded_raw), json_report.to_document(result), v)


def _finding_key(f: dict[str, Any]) -> str:
    return f"{f['rule_id']} {f['subject']['kind']} {f['subject']['id']}" + (
        f" {f['period']}" if f.get("period") else "")


def compare(recorded: dict[str, Any], rerun_doc: dict[str, Any], v: Verification) -> None:
    """Say exactly which findings and figures differ. Waivers are not re-applied, so the
    ``waived`` flags are not compared."""
    before = {f["fingerprint"]: f for f in recorded.get("findings", [])}
    after = {f["fingerprint"]: f for f in rerun_doc.get("findings", [])}
    for fp in sorted(before.keys() - after.keys()):
        v.differences.append(f"finding {_finding_key(before[fp])} ({fp}): in the bundle, "
                             "not found by the re-run")
    for fp in sorted(after.keys() - before.keys()):
        v.differences.append(f"finding {_finding_key(after[fp])} ({fp}): found by the re-run, "
                             "not in the bundle")
    for fp in sorted(before.keys() & after.keys()):
        a, b = before[fp], after[fp]
        for key in ("severity", "message", "period"):
            if a.get(key) != b.get(key):
                v.differences.append(f"finding {_finding_key(a)}: {key} {a.get(key)!r} in the "
                                     f"bundle, {b.get(key)!r} on re-run")
        ea, eb = a.get("evidence", {}), b.get("evidence", {})
        for key in sorted(set(ea) | set(eb)):
            if ea.get(key) != eb.get(key):
                v.differences.append(f"finding {_finding_key(a)}: evidence.{key} "
                                     f"{_short(ea.get(key))} in the bundle, "
                                     f"{_short(eb.get(key))} on re-run")
    for section in ("stats", "tables"):
        sa, sb = recorded.get(section, {}), rerun_doc.get(section, {})
        for key in sorted(set(sa) | set(sb)):
            if sa.get(key) != sb.get(key):
                v.differences.append(f"{section}.{key} differs between the bundle and the "
                                     "re-run")
    if not v.differences:
        v.checked.append(f"re-run: {len(after)} findings match")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."

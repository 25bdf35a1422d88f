"""``audit`` and ``validate`` on every bundled dataset, and bad input never exits 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlm_audit.cli.main import EXIT_INPUT, run_cli

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
# dataset -> (audit exit, validate exit, validate --strict exit)
EXPECTED = {"wechat_shop": (1, 0, 2), "brand_xlsx": (0, 0, 0), "canonical": (0, 0, 0)}


def _json(capsys: pytest.CaptureFixture[str], argv: list[str], code: int) -> dict:
    assert run_cli(argv) == code
    return json.loads(capsys.readouterr().out)


def test_every_sample_dataset_is_covered():
    found = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir() and p.name != "plans")
    assert found == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_samples_audit_and_validate_json(name: str, capsys: pytest.CaptureFixture[str]):
    audit_rc, validate_rc, strict_rc = EXPECTED[name]
    data = str(SAMPLES / name)
    doc = _json(capsys, ["audit", data, "--format", "json"], audit_rc)
    assert [i["table"] for i in doc["inputs"]] == ["agents", "orders", "payouts"]
    for i in doc["inputs"]:
        assert i["rows_read"] == i["rows_loaded"] + i["rows_rejected"] > 0
    assert doc["summary"]["verdict"] == ("fail" if audit_rc else "pass")
    val = _json(capsys, ["validate", data, "--format", "json"], validate_rc)
    assert val["findings"] == []
    assert val["data_issues"] == doc["data_issues"]
    assert run_cli(["validate", data, "--strict", "--format", "json"]) == strict_rc
    capsys.readouterr()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_samples_text_report(name: str, capsys: pytest.CaptureFixture[str]):
    audit_rc, validate_rc, _ = EXPECTED[name]
    assert run_cli(["audit", str(SAMPLES / name)]) == audit_rc
    out = capsys.readouterr().out
    assert ("verdict: fail" if audit_rc else "verdict: pass") in out.lower()
    assert run_cli(["validate", str(SAMPLES / name)]) == validate_rc
    assert "agents per level" in capsys.readouterr().out.lower()


def test_wechat_shop_content(capsys: pytest.CaptureFixture[str]):
    doc = _json(capsys, ["audit", str(SAMPLES / "wechat_shop"), "--format", "json"], 1)
    assert {i["encoding"] for i in doc["inputs"]} == {"gb18030"}
    issues = [(i["code"], i["row"], i["column"]) for i in doc["data_issues"]]
    assert issues == [("orphan_sponsor", 98, "sponsor_id"), ("duplicate_id", 108, "agent_id")]
    org = [f for f in doc["findings"] if f["rule_id"] == "BASE-ORG-30-3"]
    assert [f["subject"] for f in org] == [{"kind": "organization", "id": "W0001"}]
    assert org[0]["evidence"]["participants"] >= 30
    assert org[0]["evidence"]["levels"] >= 4
    assert doc["stats"]["max_level"] >= 4
    # --strict turns the duplicate id (an error-level issue) into exit 2 for audit too
    assert run_cli(["audit", str(SAMPLES / "wechat_shop"), "--strict", "-f", "json"]) == 2
    capsys.readouterr()


def test_brand_xlsx_rows_point_at_spreadsheet_rows(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path):
    # break one amount in a copy of the workbook: the issue names the Excel row
    import openpyxl

    wb = openpyxl.load_workbook(SAMPLES / "brand_xlsx" / "orders.xlsx")
    wb.active["D5"] = "n/a"
    bad = tmp_path / "orders.xlsx"
    wb.save(bad)
    doc = _json(capsys, ["validate", str(SAMPLES / "brand_xlsx"), "--orders", str(bad),
                         "-f", "json"], 0)
    issue = [i for i in doc["data_issues"] if i["code"] == "bad_value"]
    assert [(i["file"], i["row"], i["column"]) for i in issue] == [(str(bad), 5, "amount")]
    orders = next(i for i in doc["inputs"] if i["table"] == "orders")
    assert orders["rows_rejected"] == 1
    assert orders["rows_read"] == orders["rows_loaded"] + 1


def test_demo_audits_the_wechat_sample(capsys: pytest.CaptureFixture[str]):
    assert run_cli(["demo", "--format", "json"]) == 1
    assert '"BASE-ORG-30-3"' in capsys.readouterr().out


def test_explicit_files_and_optional_tables(capsys: pytest.CaptureFixture[str]):
    agents = SAMPLES / "canonical" / "agents.csv"
    doc = _json(capsys, ["audit", "--agents", str(agents), "--format", "json"], 0)
    assert [i["table"] for i in doc["inputs"]] == ["agents"]
    assert doc["stats"]["orders"] == 0


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("setup,needle", [
    (lambda t: t / "missing", "no such file or directory"),
    (lambda t: _write(t, "agents.docx", b"PK\x03\x04"), "unsupported file type '.docx'"),
    (lambda t: _write(t, "agents.csv", b"\x00\x01\x02\x03garbage"), "agents.csv: line 1: NUL "
     "bytes"),
    (lambda t: _write(t, "agents.csv", b""), "agents.csv: file is empty"),
    (lambda t: _write(t, "agents.xlsx", b"not a zip"), "agents.xlsx: not a readable XLSX"),
    (lambda t: _write(t, "agents.parquet", b"PAR1 nope"), "agents.parquet: cannot read as "
     "parquet"),
    (lambda t: _write(t, "agents.json", b"[{\"a\": }]"), "agents.json: line 1, column 8: "
     "invalid JSON"),
    (lambda t: _write(t, "agents.csv", b"a,b\n1,2,3\n"), "agents.csv: row 2: 3 fields but "
     "the header has 2"),
    (lambda t: _write(t, "agents.csv", "编号,上线\nA,\n".encode("gbk")),
     "cannot find required agents column(s): agent_id, sponsor_id"),
    (lambda t: _write(t, "agents.csv", b"agent_id,sponsor_id\n,\n"),
     "no agent rows could be loaded; nothing to audit"),
])
@pytest.mark.parametrize("command", ["audit", "validate"])
def test_bad_input_is_exit_2_with_a_located_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, setup, needle: str,
):
    target = setup(tmp_path)
    assert run_cli([command, str(target), "--format", "json"]) == EXIT_INPUT
    captured = capsys.readouterr()
    err = " ".join(captured.err.split())
    assert needle in err
    assert "Traceback" not in captured.err and captured.out == ""


def test_bad_mapping_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    m = _write(tmp_path, "map.yaml", b"agents:\n  columns:\n    agent_no: x\n")
    assert run_cli(["validate", str(SAMPLES / "canonical"), "--mapping", str(m)]) == EXIT_INPUT
    assert f"{m}:3: agents has no column 'agent_no'" in " ".join(capsys.readouterr().err.split())


def test_map_option_maps_headers(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    _write(tmp_path, "agents.csv", "编号,推荐码\nA,\nB,A\n".encode("gbk"))
    _write(tmp_path, "orders.csv", "单号,买家,成交额\nO1,C,12.50\n".encode())
    argv = ["validate", str(tmp_path), "-f", "json", "--map", "agent_id=编号",
            "--map", "agents.sponsor_id=推荐码", "--map", "order_id=单号",
            "--map", "buyer_id=买家", "--map", "orders.amount=成交额"]
    doc = _json(capsys, argv, 0)
    assert [(i["table"], i["rows_loaded"]) for i in doc["inputs"]] == [("agents", 2),
                                                                         ("orders", 1)]
    assert doc["data_issues"] == []


@pytest.mark.parametrize("opt,needle", [
    ("amount=成交额", "--map 'amount=成交额': amount is a column of orders and payouts; write "
     "orders.amount=成交额"),
    ("agent_no=x", "--map 'agent_no=x': no column 'agent_no'; columns: agents.agent_id,"),
    ("agent_id", "--map 'agent_id': expected column=Header"),
])
def test_bad_map_option_is_exit_2(opt: str, needle: str, capsys: pytest.CaptureFixture[str]):
    assert run_cli(["validate", str(SAMPLES / "canonical"), "--map", opt]) == EXIT_INPUT
    assert needle in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize("ext", ["csv", "tsv", "json", "ndjson", "xlsx", "parquet"])
@pytest.mark.parametrize("seed", range(4))
def test_random_bytes_never_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  ext: str, seed: int):
    import random

    rng = random.Random(seed)
    prefix = {"xlsx": b"PK\x03\x04", "parquet": b"PAR1", "json": b"[", "ndjson": b"{"}
    data = prefix.get(ext, b"") + bytes(rng.randrange(1, 256) for _ in range(2000))
    path = _write(tmp_path, f"agents.{ext}", data)
    assert run_cli(["validate", str(path)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "internal error" not in err and str(path.name) in err

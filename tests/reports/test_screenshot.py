"""The HTML report in a real browser: headless Chromium lays it out, a probe reads where the
charts and findings landed, and a screenshot proves those regions are drawn, not blank.

Skips when Chromium is not installed (``.ci/run`` installs it from the system packages)."""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mlm_audit import pipeline
from mlm_audit.model import AuditResult
from mlm_audit.reports import html_report
from tests.reports.pngread import read_png
from tests.reports.sample import CLOCK, sample_result

REPO = Path(__file__).resolve().parents[2]
WIDTH = 1280
PROBE = """<script>(function () {
  function box(e) { var b = e.getBoundingClientRect(), s = getComputedStyle(e);
    return {x: b.left + scrollX, y: b.top + scrollY, w: b.width, h: b.height,
            visible: s.visibility !== "hidden" && s.display !== "none"}; }
  var q = function (s) { return Array.prototype.slice.call(document.querySelectorAll(s)); };
  var out = {height: document.documentElement.scrollHeight,
    charts: q("svg.chart").map(box), findings: q("article.finding").map(box),
    verdict: box(document.querySelector(".verdict")),
    pyramid_bars: q("svg.pyramid rect.bar").map(function (e) {
      return e.getBoundingClientRect().width; })};
  var pre = document.createElement("pre"); pre.id = "probe";
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
})();</script>"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium not installed (apt-get install chromium)")


def run_browser(args: list[str]) -> str:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}", *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def report_result(source: str) -> AuditResult:
    if source == "fixed":
        return sample_result()
    data = REPO / "sample_data" / "wechat_shop"
    if not (data.is_dir() and any(data.iterdir())):
        pytest.skip("sample_data/wechat_shop is not in this checkout")
    prepared = pipeline.prepare(pipeline.Inputs(path=data))
    return pipeline.audit(prepared, pipeline.load_packs([]))


def non_white_share(img: np.ndarray, b: dict[str, Any], scale: float) -> float:
    y0, y1 = int(b["y"] * scale), int((b["y"] + b["h"]) * scale)
    x0, x1 = int(b["x"] * scale), int((b["x"] + b["w"]) * scale)
    region = img[y0:y1, x0:x1, :3].astype(int)
    assert region.size, f"empty region {b}"
    return float((region.sum(axis=2) < 720).mean())


@pytest.mark.parametrize(("source", "lang"), [("sample_data", "zh"), ("fixed", "en")])
def test_report_renders_in_chromium(tmp_path: Path, source: str, lang: str) -> None:
    result = report_result(source)
    page = html_report.render(result, lang=lang, now=CLOCK)
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")

    dom = run_browser([f"--window-size={WIDTH},1000", "--dump-dom", probe.as_uri()])
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, "the layout probe did not run"
    layout = json.loads(htmllib.unescape(found.group(1)))
    assert len(layout["charts"]) >= 5
    assert all(c["visible"] and c["w"] > 100 and c["h"] > 50 for c in layout["charts"])
    assert all(c["x"] >= 0 and c["x"] + c["w"] <= WIDTH for c in layout["charts"])
    assert all(w > 0 for w in layout["pyramid_bars"])
    assert len(layout["findings"]) == min(len(result.findings), 200)
    assert layout["findings"] or source != "fixed"  # the fixed sample always has findings
    assert all(f["visible"] and f["h"] > 40 for f in layout["findings"])

    height = min(int(layout["height"]) + 20, 16000)
    shot = tmp_path / "shot.png"
    run_browser([f"--window-size={WIDTH},{height}", "--force-device-scale-factor=0.5",
                 f"--screenshot={shot}", report.as_uri()])
    img = read_png(shot)
    scale = img.shape[1] / WIDTH
    for chart in layout["charts"]:
        assert non_white_share(img, chart, scale) > 0.02, f"blank chart at {chart}"
    for card in layout["findings"][:5]:
        assert non_white_share(img, card, scale) > 0.02, f"blank finding at {card}"
    v = layout["verdict"]
    verdict = img[int(v["y"] * scale):int((v["y"] + v["h"]) * scale),
                  int(v["x"] * scale):int((v["x"] + v["w"]) * scale), :3].astype(int)
    r, g, b = verdict[..., 0], verdict[..., 1], verdict[..., 2]
    if result.summary()["verdict"] == "fail":
        colored = (r > 150) & (g < 90) & (b < 90)
    else:
        colored = (g > 110) & (r < 90) & (b < 120)
    assert colored.mean() > 0.3, "the verdict badge is not drawn in its colour"
    blank = img.copy()
    blank[:] = 255
    assert non_white_share(blank, layout["charts"][0], scale) == 0  # the check can fail

"""The study report in a real browser: Debian's headless Chromium opens the page
analysis/report.py writes from the fixture, every <img> has loaded (naturalWidth
> 0), nothing reached the console as an error, and a screenshot is taken.

How: a copy of the page gets a small script at the top of <head> that records
window errors, failed resource loads and console.error/warn calls, and on `load`
writes the result into the DOM, which `chromium --headless --dump-dom` prints.
Skipped when chromium is absent (jobs/install_deps.sh installs it for CI).
MTL_REPORT_SCREENSHOT=PATH keeps the screenshot there (default: pytest's tmp);
MTL_REPORT_PAGE=PATH checks that page instead of the fixture's (e.g. the demo's
results/demo_converged_report/report.html).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "analysis"))

import make_results_fixture as fx  # noqa: E402
import report  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]
PROBE = """<script>
(function () {
  var problems = [];
  window.addEventListener("error", function (e) {
    var t = e.target;
    problems.push(t && t !== window ? "failed to load " + (t.tagName || "?") : "error: " + e.message);
  }, true);
  ["error", "warn"].forEach(function (level) {
    var orig = console[level];
    console[level] = function () {
      problems.push("console." + level + ": " + Array.prototype.join.call(arguments, " "));
      orig.apply(console, arguments);
    };
  });
  window.addEventListener("load", function () {
    var imgs = Array.prototype.map.call(document.images, function (i) {
      return {alt: i.alt, complete: i.complete, width: i.naturalWidth};
    });
    var out = document.createElement("pre");
    out.id = "mtl-probe";
    out.textContent = JSON.stringify({images: imgs, problems: problems});
    document.body.appendChild(out);
  });
})();
</script>"""

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed "
                                "(apt-get install chromium; jobs/install_deps.sh)")


def chromium(args, timeout=180):
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM] + FLAGS + [f"--user-data-dir={profile}"] + args,
                              capture_output=True, text=True, timeout=timeout)


def probe(page_path, work):
    """Open a copy of the page with PROBE; returns {images: [...], problems: [...]}."""
    text = open(page_path, encoding="utf-8").read()
    probed = os.path.join(work, "probed.html")
    with open(probed, "w", encoding="utf-8") as f:
        f.write(text.replace("<head>", "<head>" + PROBE, 1))
    run = chromium(["--virtual-time-budget=10000", "--dump-dom", f"file://{probed}"])
    m = re.search(r'<pre id="mtl-probe">(.*?)</pre>', run.stdout, re.S)
    assert m, f"no probe result in the DOM (exit {run.returncode}): {run.stderr[-2000:]}"
    import html
    result = json.loads(html.unescape(m.group(1)))
    # Uncaught exceptions also reach Chromium's log as CONSOLE lines.
    result["problems"] += [l for l in run.stderr.splitlines() if "CONSOLE" in l and "Uncaught" in l]
    return result


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    if os.environ.get("MTL_REPORT_PAGE"):
        return os.path.abspath(os.environ["MTL_REPORT_PAGE"])
    d = tmp_path_factory.mktemp("page")
    path = fx.write(str(d / "exp1.h5"), with_predictions=True, truth=True, experiment="exp1",
                    attributes=True)
    return report.build([path], str(d / "out"))


def test_every_image_loads_and_console_is_clean(page, tmp_path):
    result = probe(page, str(tmp_path))
    n_img = open(page, encoding="utf-8").read().count("<img ")
    if not os.environ.get("MTL_REPORT_PAGE"):
        assert n_img == 5  # the fixture's figures (test_report.py names them)
    assert n_img > 0 and len(result["images"]) == n_img
    bad = [i for i in result["images"] if not i["complete"] or i["width"] <= 0]
    assert not bad, f"images not loaded: {bad}"
    assert not result["problems"], result["problems"]


def test_probe_sees_a_broken_image_and_a_console_error(tmp_path):
    """The check can fail: a truncated PNG and a console.error are both reported."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><head><title>x</title></head><body>"
                   '<img alt="broken" src="data:image/png;base64,iVBORw0KGgo=">'
                   "<script>console.error('boom')</script></body></html>")
    result = probe(str(bad), str(tmp_path))
    assert [i["width"] for i in result["images"]] == [0]
    assert any("console.error: boom" in p for p in result["problems"])
    assert any("failed to load IMG" in p for p in result["problems"])


def test_screenshot(page, tmp_path):
    shot = os.environ.get("MTL_REPORT_SCREENSHOT") or str(tmp_path / "report.png")
    if os.path.exists(shot):
        os.remove(shot)
    run = chromium(["--window-size=1200,3000", f"--screenshot={shot}", f"file://{page}"])
    assert run.returncode == 0, run.stderr[-2000:]
    with open(shot, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000, len(data)

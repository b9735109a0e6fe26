"""Check a course notebook the way a student sees it: JupyterLab in headless Chromium.

Manual check for instructors (not part of the test suite). It

1. copies NOTEBOOK into a temporary root folder (the original is never touched),
2. starts its own JupyterLab on 127.0.0.1 (fixed token, free port, private config, runtime,
   settings, workspaces and IPython folders; no news, no update check),
3. opens the notebook in headless Chromium, runs "Run" -> "Run All Cells" (or, with `--each`,
   every cell in turn with Shift+Enter, so that one error does not stop the later cells; Run All
   stops at the first error, as it does for a student) and waits until the kernel is idle,
4. moves a slider of the first `interact` widget with the keyboard (the one whose label
   contains `--slider-label`, default "tau": focus its handle, press ArrowRight `--presses` times)
   and checks that its readout (`.widget-readout`) and the figure (`.widget-output img` src)
   change,
5. looks for errors in the page: every `.jp-OutputArea-output` with mime type
   `application/vnd.jupyter.stderr` (tracebacks and stderr, also inside widget outputs), and
   code cells that never ran; it warns about a cell that shows the same interact widget twice,
6. writes to OUT (default `./browser_check_out`): the notebook window by window, top to bottom
   (`page_NN.png`), the end of the notebook in a window twice as tall (`bottom.png`), the
   widget before and after the key presses (`widget_before.png`, `widget_after.png`),
   `report.json` (everything below, with each traceback's text) and `jupyterlab.log`,
7. stops the server it started (by its PID) and exits 1 if any cell errored, a code cell did
   not run, or the slider did not redraw; 0 otherwise; 2 if the check itself could not run.

Needs (DESIGN.md section 6): `apt-get install -y chromium` (gives /usr/bin/chromium) and
`pip install playwright` (the Python package only; never `playwright install`), JupyterLab and
ipywidgets in the same Python as this script, and the course package installed.

Usage:
    python tools/browser_check.py filled_copy.ipynb --out /tmp/shots   # expect OK, exit 0
    python tools/browser_check.py release/A/A.ipynb --each --out /tmp/shots
        # a fresh release: lists every failing cell (NotImplementedError, NameError), exit 1
    python tools/browser_check.py some.ipynb --no-slider                # no interact widget

Look at the PNG files: the script checks errors and the redraw, not whether a plot makes sense.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TOKEN = "browser-check-token"
VIEWPORT = {"width": 1400, "height": 1000}
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
SCROLLER = ".jp-NotebookPanel .jp-WindowedPanel-outer"   # the notebook's scroll container


# ---------------------------------------------------------------- JupyterLab server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, path: str, method: str = "GET"):
    req = urllib.request.Request(f"{base}{path}", method=method,
                                 headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
    return json.loads(body) if body else None


def start_lab(root: Path, work: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ)
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")]:
        (work / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(work / sub)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
           "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")                    # containers often run as root
    # no "get notified about official Jupyter news?" toast over the screenshots
    news = work / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True, exist_ok=True)
    (news / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    log = open(work / "jupyterlab.log", "w")
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)


def wait_for_lab(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {proc.returncode}")
        try:
            api(base, "/api/status")
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("JupyterLab did not answer in time")


def stop_lab(base: str, proc: subprocess.Popen) -> None:
    """Ask the server to shut down (it stops its kernels), then make sure its PID is gone."""
    try:
        api(base, "/api/shutdown", method="POST")
    except OSError:
        pass
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- page helpers

def kernels_idle(base: str) -> bool:
    try:
        kernels = api(base, "/api/kernels")
    except OSError:                    # e.g. a 500 while a kernel is still starting: not idle
        return False
    return bool(kernels) and all(k["execution_state"] == "idle" for k in kernels)


def wait_idle(page, base: str, timeout: float, settle: float = 1.5) -> None:
    """Wait until the kernel is idle and no cell shows `[*]`, continuously for `settle` s."""
    end = time.time() + timeout
    since = None
    while time.time() < end:
        busy_prompts = page.locator(".jp-InputPrompt", has_text="[*]").count()
        if busy_prompts == 0 and kernels_idle(base):
            since = since or time.time()
            if time.time() - since >= settle:
                return
        else:
            since = None
        page.wait_for_timeout(250)
    raise TimeoutError(f"kernel still busy after {timeout:.0f} s")


def scroll_notebook(page, top: int) -> None:
    # step by step: one big jump can leave content-visibility cells unpainted for a while
    page.locator(SCROLLER).evaluate(f"el => el.scrollTop = {top}")
    page.wait_for_timeout(500)


def last_cell_visible(page) -> bool:
    """True when the bottom of the last cell is inside the notebook's viewport (JupyterLab
    pads the notebook below its last cell, so scrollHeight overshoots the content)."""
    return page.locator(SCROLLER).evaluate(
        """el => { const cells = el.querySelectorAll('.jp-Cell');
                   const last = cells[cells.length - 1];
                   return last.getBoundingClientRect().bottom
                          <= el.getBoundingClientRect().bottom + 1; }""")


def page_screenshots(page, out: Path, max_pages: int = 80) -> list[str]:
    """Screenshots of the whole notebook, one viewport at a time, top to bottom, then
    `bottom.png` (a window twice as tall) ending with the last cell."""
    view = page.locator(SCROLLER).evaluate("el => el.clientHeight")
    names, top = [], 0
    while len(names) < max_pages:
        scroll_notebook(page, top)
        name = f"page_{len(names):02d}.png"
        page.screenshot(path=str(out / name))
        names.append(name)
        if last_cell_visible(page):
            break
        top += int(view * 0.9)
    # the page itself does not scroll (the notebook panel does), so a "full page" shot is one
    # window: make the window taller for the bottom shot instead
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 2 * VIEWPORT["height"]})
    page.wait_for_timeout(500)
    page.locator(".jp-Notebook .jp-Cell").last.evaluate(
        "el => el.scrollIntoView({block: 'end'})")
    page.wait_for_timeout(1000)
    page.screenshot(path=str(out / "bottom.png"), full_page=True)
    page.set_viewport_size(VIEWPORT)
    return names


def last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def collect_errors(page, grade_ids: list[str | None]) -> tuple[list[dict], list[dict]]:
    """Errors (stderr outputs) per cell, and code cells that never ran."""
    errors, not_run = [], []
    cells = page.locator(".jp-Notebook .jp-Cell")
    for i in range(cells.count()):
        cell = cells.nth(i)
        gid = grade_ids[i] if i < len(grade_ids) else None
        for out in cell.locator(STDERR).all():
            text = out.text_content() or ""   # inner_text is empty for off-screen cells
            kinds = re.findall(r"^\w+(?:Error|Exception|Warning|Interrupt|Exit)\b.*$", text, re.M)
            errors.append({"cell": i, "grade_id": gid,
                           "in_widget": out.locator("xpath=ancestor::*[contains(@class,"
                                                    "'widget-output')]").count() > 0,
                           "error": kinds[-1].strip() if kinds else last_line(text),
                           "text": text[-2000:]})
        if "jp-CodeCell" in (cell.get_attribute("class") or ""):
            prompt = (cell.locator(".jp-InputArea-prompt").first.text_content() or "").strip()
            if not re.search(r"\[\d+\]", prompt):
                not_run.append({"cell": i, "grade_id": gid, "prompt": prompt})
    return errors, not_run


def run_all(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def run_each(page, base: str, n_cells: int, timeout: float) -> None:
    """Shift+Enter through every cell from the top (a student stepping through)."""
    page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")                      # command mode
    for i in range(n_cells):
        # Shift+Enter on the last cell would append a new empty cell: run it in place instead
        page.keyboard.press("Shift+Enter" if i < n_cells - 1 else "Control+Enter")
        wait_idle(page, base, timeout, settle=0.5)


def move_slider(page, base: str, out: Path, label: str, presses: int, timeout: float) -> dict:
    """Press ArrowRight on the slider labelled `label` (else the first one) of the first
    interact widget; report readout and figure before and after."""
    widget = page.locator(".widget-interact").first
    result = {"interact_views": page.locator(".widget-interact").count(), "redrawn": False}
    if result["interact_views"] == 0:
        result["problem"] = "no interact widget found (.widget-interact)"
        return result
    sliders = widget.locator(".widget-slider")
    result["sliders"] = [(sl.locator(".widget-label").first.text_content() or "").strip()
                         for sl in sliders.all()]
    chosen = [i for i, name in enumerate(result["sliders"]) if label.lower() in name.lower()]
    if not result["sliders"]:
        result["problem"] = "the interact widget has no slider"
        return result
    slider = sliders.nth(chosen[0] if chosen else 0)
    result["slider"] = result["sliders"][chosen[0] if chosen else 0]
    widget.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    figure = widget.locator(".widget-output img").first
    readout = slider.locator(".widget-readout").first

    def src():
        return figure.get_attribute("src") if figure.count() else None

    result["readout_before"] = (readout.text_content() or "").strip()
    src_before = src()
    widget.screenshot(path=str(out / "widget_before.png"))
    slider.locator(".noUi-handle").first.focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(150)
    wait_idle(page, base, timeout)
    end = time.time() + timeout                        # the new image can land after idle
    while src() == src_before and time.time() < end:
        page.wait_for_timeout(250)
    page.wait_for_timeout(500)
    result["readout_after"] = (readout.text_content() or "").strip()
    widget.screenshot(path=str(out / "widget_after.png"))
    result["figure_changed"] = bool(src_before and src() and src() != src_before)
    result["readout_changed"] = result["readout_after"] != result["readout_before"]
    result["redrawn"] = result["figure_changed"] and result["readout_changed"]
    return result


def duplicated_widgets(page) -> list[int]:
    """Cells that show more than one interact widget (e.g. `interact(...)` displays it and the
    cell's last expression displays it again)."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    return [i for i in range(cells.count())
            if cells.nth(i).locator(".widget-interact").count() > 1]


# ---------------------------------------------------------------- main

def check(notebook: Path, out: Path, *, each: bool, slider: bool, label: str, presses: int,
          timeout: float) -> dict:
    from playwright.sync_api import sync_playwright

    nb = json.loads(notebook.read_text())
    grade_ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="browser_check_"))
    root = work / "root"
    root.mkdir()
    shutil.copy(notebook, root / notebook.name)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_lab(root, work, port)
    report: dict = {"notebook": str(notebook), "mode": "each" if each else "run-all",
                    "server_pid": proc.pid, "screenshots": str(out)}
    try:
        wait_for_lab(base, proc)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(f"{base}/lab/tree/{notebook.name}?token={TOKEN}&reset")
            page.wait_for_selector(".jp-NotebookPanel", timeout=60_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            end = time.time() + 60
            while not kernels_idle(base):
                if time.time() > end:
                    raise TimeoutError("kernel did not start")
                page.wait_for_timeout(300)
            started = time.time()
            if each:
                run_each(page, base, len(nb["cells"]), timeout)
            else:
                run_all(page)
                page.wait_for_timeout(1000)
                wait_idle(page, base, timeout)
            report["run_seconds"] = round(time.time() - started, 1)
            report["slider"] = (move_slider(page, base, out, label, presses, timeout)
                                if slider else "skipped")
            report["duplicated_widget_cells"] = duplicated_widgets(page)
            errors, not_run = collect_errors(page, grade_ids)
            report["errors"], report["not_run"] = errors, not_run
            report["pages"] = page_screenshots(page, out)
            browser.close()
    finally:
        stop_lab(base, proc)
        report["server_stopped"] = proc.poll() is not None
        shutil.copy(work / "jupyterlab.log", out / "jupyterlab.log")
        shutil.rmtree(work, ignore_errors=True)
    (out / "report.json").write_text(json.dumps(report, indent=1))
    return report


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("notebook", type=Path)
    p.add_argument("--out", type=Path, default=Path("browser_check_out"),
                   help="folder for screenshots and report.json (default ./browser_check_out)")
    p.add_argument("--each", action="store_true",
                   help="run cells one by one (Shift+Enter) so an error does not stop the rest")
    p.add_argument("--no-slider", dest="slider", action="store_false",
                   help="do not look for an interact slider")
    p.add_argument("--slider-label", dest="label", default="tau",
                   help="move the slider whose label contains this text (default: tau)")
    p.add_argument("--presses", type=int, default=3, help="ArrowRight presses on the slider")
    p.add_argument("--timeout", type=float, default=300, help="seconds to wait for the kernel")
    a = p.parse_args(argv)
    if not a.notebook.is_file() or not Path(CHROMIUM).exists():
        print(f"need an existing notebook and {CHROMIUM}", file=sys.stderr)
        return 2
    try:
        r = check(a.notebook.resolve(), a.out.resolve(), each=a.each, slider=a.slider,
                  label=a.label, presses=a.presses, timeout=a.timeout)
    except Exception as exc:  # setup failure: say what, exit 2
        print(f"browser check failed to run: {exc!r}", file=sys.stderr)
        return 2
    print(f"{r['notebook']} ({r['mode']}, {r['run_seconds']} s)")
    for e in r["errors"]:
        where = " (in widget output)" if e["in_widget"] else ""
        print(f"  ERROR cell {e['cell']} [{e['grade_id']}]{where}: {e['error']}")
    for c in r["not_run"]:
        print(f"  NOT RUN cell {c['cell']} [{c['grade_id']}] prompt {c['prompt']!r}")
    s = r["slider"]
    if s != "skipped" and "problem" in s:
        print(f"  slider: {s['problem']}")
    elif s != "skipped":
        print(f"  slider {s['slider']!r} of {s['sliders']}: readout {s['readout_before']} -> "
              f"{s['readout_after']}, figure changed: {s['figure_changed']}, "
              f"redrawn: {s['redrawn']}")
    if r["mode"] == "run-all" and r["errors"] and r["not_run"]:
        print("  (Run All stops at the first error; --each runs every cell)")
    if r["duplicated_widget_cells"]:
        print(f"  warning: cells {r['duplicated_widget_cells']} show the interact widget twice")
    print(f"  screenshots and report.json in {r['screenshots']}")
    failed = r["errors"] or r["not_run"] or (s != "skipped" and not s["redrawn"])
    print("FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Headless Chromium for the WebUI tests (Debian's ``chromium`` driven by Playwright), and axe-core.

Without Playwright, Chromium or npm the tests skip on a developer machine but fail under CI (``CI=true``),
where a skip would hide a WebUI that no longer works.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]
#: axe-core, the accessibility rules engine, fetched from npm at this exact version on first use (test-only:
#: the WebUI never loads it); MPL-2.0, not redistributed
AXE_VERSION = "4.14.1"
AXE_CACHE = (Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
             / "shengqing-tests" / f"axe-core-{AXE_VERSION}")


def missing(reason: str) -> NoReturn:
    """Skip on a developer machine; fail in CI, where the browser test must run."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true but the WebUI test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def chromium(*extra_args: str) -> Iterator[Any]:
    try:
        import playwright.sync_api as playwright_api
    except ImportError:
        missing("playwright is not installed (pip install -e '.[dev]')")
    executable = next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)
    if executable is None:
        missing("chromium is not on PATH (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=[*ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()


def axe_source() -> str:
    """axe.min.js of :data:`AXE_VERSION`, installed from npm into a cache directory once."""
    script = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            missing("npm is not on PATH: axe-core cannot be installed (apt-get install npm)")
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(AXE_CACHE),
                                 f"axe-core@{AXE_VERSION}"], capture_output=True, text=True, timeout=300)
        if result.returncode != 0 or not script.is_file():
            missing(f"npm could not install axe-core@{AXE_VERSION}: {result.stderr[-500:]}")
    return script.read_text(encoding="utf-8")


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A/AA and best-practice violations of ``impacts`` on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in impacts]

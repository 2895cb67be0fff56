"""axe-core in headless Chromium: one call per address, failing on serious or critical problems.

    assert_accessible(browser, f"{live_server.url}/_search?q=intro")

opens the address, injects axe-core (npm, pinned in package.json; ``make setup`` installs it
into node_modules/) and runs it once per colour scheme (light, then dark through Chromium's
media emulation, so the dark palette's contrast is checked too). Violations of impact
``serious`` or ``critical`` fail the test, printed one per line with the elements they concern;
lesser ones (``minor``, ``moderate``) are reported by axe but do not fail.

Without axe-core the tests skip, except on CI (``CI=true``), where a missing axe is a failure:
a broken install must not turn the accessibility checks silently green.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pytest

AXE_PATH = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
SCHEMES = ("light", "dark")
AXE_TIMEOUT = 60  # seconds for one axe run (a large page takes a few)

_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then(results => done(JSON.stringify({violations: results.violations})))
  .catch(error => done(JSON.stringify({error: String(error)})));
"""


@cache
def axe_source() -> str:
    """axe.min.js from node_modules; skip without it (fail on CI)."""
    if not AXE_PATH.is_file():
        message = f"accessibility tests need axe-core: {AXE_PATH} is missing (run make setup)"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE_PATH.read_text(encoding="utf-8")


def run_axe(browser, scheme: str = "light") -> list[dict]:
    """axe's violations on the page the browser shows, in ``scheme`` (light or dark)."""
    source = axe_source()
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"media": "", "features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    try:
        # WebDriver scripts run outside the page's Content Security Policy, so the page's own
        # policy (no inline scripts) does not stand in axe's way.
        if not browser.execute_script("return typeof window.axe === 'object';"):
            browser.execute_script(source)
        browser.set_script_timeout(AXE_TIMEOUT)
        outcome = json.loads(browser.execute_async_script(_RUN_AXE))
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})
    if "error" in outcome:
        pytest.fail(f"axe-core could not run: {outcome['error']}")
    return outcome["violations"]


def describe(violations: list[dict]) -> str:
    """Violations as readable lines: rule, impact, what it means, and the elements."""
    lines = []
    for violation in violations:
        lines.append(
            f"- [{violation.get('impact')}] {violation['id']}: {violation.get('help')}"
            f" ({violation.get('helpUrl', '')})"
        )
        for node in violation.get("nodes", [])[:10]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {summary[:300]}")
            lines.append(f"       {node.get('html', '')[:200]}")
        if len(violation.get("nodes", [])) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more elements")
    return "\n".join(lines)


def assert_accessible(browser, url: str, *, schemes=SCHEMES) -> None:
    """Open ``url`` and fail on any serious or critical axe violation, in every scheme."""
    browser.get(url)
    problems = []
    for scheme in schemes:
        failing = [v for v in run_axe(browser, scheme) if v.get("impact") in FAILING_IMPACTS]
        if failing:
            problems.append(f"{scheme} scheme:\n{describe(failing)}")
    assert not problems, f"axe-core finds serious problems on {url}:\n" + "\n".join(problems)

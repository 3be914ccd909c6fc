"""axe-core in the browser tests: ``assert_accessible(page)`` runs it on the page as it is
and fails with every violation listed (rule, impact, the elements, what to fix).

axe-core comes from the npm registry, pinned to one version and checked against the
registry's sha512 integrity, and is kept under var/axe/ (not committed) after the first
download. With npm on PATH it is fetched with ``npm pack`` (so npm's own registry, proxy
and cache settings apply); without npm, straight from the registry's tarball URL. It is
injected through the DevTools protocol (``page.evaluate``), which the pages' CSP does not
govern, so the pages are tested under their real policy.

A registry that cannot be reached fails the test under REQUIRE_BROWSER=1 (as in CI) and
skips it otherwise, with the reason.
"""

import base64
import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest
import urllib.request
from functools import cache
from pathlib import Path

VERSION = "4.10.3"
INTEGRITY = "sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="
DEFAULT_REGISTRY = "https://registry.npmjs.org/"
CACHE = Path(__file__).resolve().parents[2] / "var" / "axe"
SCRIPT = CACHE / f"axe-core-{VERSION}.min.js"

# The rules that apply to a page a person uses: WCAG 2.x A and AA, and axe's best practices.
RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"],
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}});
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200), why: n.failureSummary}))}));
}"""


class AxeUnavailable(Exception):
    pass


def assert_accessible(page, *, context: str = "") -> None:
    """Fail listing axe-core's violations on ``page`` (``context`` names the state, for the message)."""
    violations = violations_on(page)
    if violations:
        lines = [f"axe-core {VERSION}: {len(violations)} violation(s) on {context or page.url}"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            lines += [f"    {n['target']}: {n['html']}\n      {n['why']}" for n in v["nodes"]]
        raise AssertionError("\n".join(lines))


def violations_on(page) -> list[dict]:
    # Checked as the page is shown: after its stylesheets have loaded (an element waited for can
    # be in the DOM before the CSS is, and unstyled buttons are 21 px tall).
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source())
    return page.evaluate(RUN)


_unavailable: list[AxeUnavailable] = []  # a registry out of reach is tried once per run, not once per test


def source() -> str:
    """axe-core's script, downloaded once; a registry out of reach fails or skips the test."""
    try:
        if _unavailable:
            raise _unavailable[0]
        return _source()
    except AxeUnavailable as error:
        _unavailable[:] = [error]
        if os.environ.get("REQUIRE_BROWSER") == "1":
            raise AssertionError(f"REQUIRE_BROWSER=1 but axe-core is out of reach: {error}") from error
        raise unittest.SkipTest(f"axe-core is out of reach: {error}") from error


@cache
def _source() -> str:
    if not SCRIPT.exists():
        tarball = _download()
        algorithm, _, expected = INTEGRITY.partition("-")
        if base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode() != expected:
            raise AxeUnavailable(f"the registry's axe-core-{VERSION}.tgz does not match its pinned integrity")
        with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
            script = archive.extractfile("package/axe.min.js").read()
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = SCRIPT.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(script)
        partial.replace(SCRIPT)  # whole or not at all, for test runs started side by side
    return SCRIPT.read_text(encoding="utf-8")


def _download() -> bytes:
    npm = shutil.which("npm")
    try:
        if npm:
            with tempfile.TemporaryDirectory() as folder:
                subprocess.run([npm, "pack", f"axe-core@{VERSION}", "--pack-destination", folder, "--loglevel=error"],
                               check=True, capture_output=True, timeout=120, text=True)
                return (Path(folder) / f"axe-core-{VERSION}.tgz").read_bytes()
        url = f"{DEFAULT_REGISTRY}axe-core/-/axe-core-{VERSION}.tgz"
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read()
    except subprocess.CalledProcessError as error:
        said = [line for line in error.stderr.splitlines() if "Error" in line or " code " in line][:2]
        raise AxeUnavailable(f"npm pack axe-core@{VERSION} failed: {' / '.join(said) or error.returncode}") from error
    except (OSError, subprocess.TimeoutExpired) as error:
        raise AxeUnavailable(f"could not download axe-core {VERSION}: {error}") from error

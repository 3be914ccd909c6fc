"""The import layers (pyproject.toml, [tool.importlinter]) hold on the tree, and a deliberate
back-import or a framework import in the domain breaks them."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("config", "seating", "notifications", "waitlist", "restaurants", "domain")
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT)], cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def copy_of_tree(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_tree_keeps_its_layers():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("waitlist/queue.py", "from seating import services",
     "Each app imports only the layers below it BROKEN"),
    ("domain/estimator.py", "from django.conf import settings",
     "The domain is plain Python: no Django, no Redis, no third-party package BROKEN"),
], ids=["a lower app imports a higher one", "the domain imports Django"])
def test_a_forbidden_import_breaks_its_contract(copy_of_tree, module, line, broken):
    with open(copy_of_tree / module, "a") as source:
        source.write(f"\n{line}  # noqa: E402\n")
    result = lint(copy_of_tree)
    assert result.returncode != 0
    assert broken in result.stdout
    assert result.stdout.count("BROKEN") == 1  # only that contract

"""Servers started as production starts them (DEBUG off, static files collected), for tests
of what only shows there: hashed and compressed static files, HSTS, error pages."""

import os
import re
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
# Long and random enough for check --deploy; used by test servers only.
SECRET_KEY = "test-only-production-like-key-4f9c2b7e1a8d6035e9b2c7f1a4d8e6b3c0f5a9e2d7b1c4"


def production_env(static_root: Path, **overrides: str) -> dict[str, str]:
    """The settings' environment of a production-like server on loopback, over plain HTTP
    (HTTPS=0) unless ``overrides`` say otherwise."""
    return {"DEBUG": "0", "SECRET_KEY": SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_ROOT": str(static_root), "HTTPS": "0", **overrides}


def collect_static(static_root: Path) -> None:
    """collectstatic as the launcher and the Dockerfile run it."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=BASE_DIR,
                   env={**os.environ, **production_env(static_root)}, check=True)


def readme_production_env() -> dict[str, str]:
    """The variables of the README's production example (its ```sh block under "The
    production environment"), so the test checks what operators are told to set."""
    readme = (BASE_DIR / "README.md").read_text()
    block = re.search(r"The production environment.*?```sh\n(.*?)```", readme, re.DOTALL).group(1)
    return dict(re.findall(r"^export ([A-Z_]+)=(\"[^\"]*\"|\S+)", block, re.MULTILINE))

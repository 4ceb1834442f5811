"""The documentation site builds with --strict (broken links, unrenderable docstrings fail) and its API
reference covers the public calls."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
MKDOCS = Path(sys.executable).parent / "mkdocs"


@pytest.mark.skipif(
    not MKDOCS.exists() and shutil.which("mkdocs") is None, reason="mkdocs ([docs] extra) not installed"
)
def test_docs_build_strict(tmp_path: Path) -> None:
    binary = str(MKDOCS) if MKDOCS.exists() else "mkdocs"
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [binary, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    for name in ("batch_write", "TableSpec", "ItemNotFoundError", "access_pattern", "KeyTemplate"):
        assert name in api, name

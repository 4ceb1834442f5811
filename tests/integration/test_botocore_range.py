"""The lowest botocore of the range pyproject allows passes the tests of the code on botocore internals.

``wire.py`` (the lean request path) and ``transport/retry.py`` (botocore's retry rules without its events)
rely on botocore internals, so the dependency is bounded to what is tested: the newest of the range is the
one this venv resolved (the whole suite runs on it); this test installs the lowest into a scratch folder
and runs the tests that exercise those internals against it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import botocore
import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# The tests that reach botocore's internals, and enough of the data layer to see them at work.
SUITE = [
    "tests/unit/test_wire.py",
    "tests/unit/test_transport_retry.py",
    "tests/unit/test_transport_sigv4.py",
    "tests/unit/test_sans_io.py",
    "tests/unit/test_transactions.py",
]


def bounds(package: str) -> tuple[str, str]:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    spec = next(d for d in dependencies if re.match(rf"{package}\b", d))
    low = re.search(r">=([\d.]+)", spec)
    high = re.search(r"<([\d.]+)", spec)
    assert low and high, f"{package} must be bounded on both sides: {spec}"
    return low.group(1), high.group(1)


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_both_packages_share_one_bounded_range_holding_this_venvs_botocore() -> None:
    assert bounds("boto3") == bounds("botocore")
    low, high = bounds("botocore")
    assert version(low) <= version(botocore.__version__) < version(high)


def test_the_lowest_botocore_passes_the_tests_of_its_internals(tmp_path: Path) -> None:
    low, _ = bounds("botocore")
    target = tmp_path / "lowest"
    # An exact pin into a scratch folder: the surrounding environment's pip constraints do not apply.
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         f"botocore=={low}", f"boto3=={low}"],
        capture_output=True, text=True, check=False, env={**os.environ, "PIP_CONSTRAINT": os.devnull},
    )  # fmt: skip
    if install.returncode != 0:
        pytest.skip(f"botocore {low} could not be installed from the package index: {install.stderr[-300:]}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT / "src")])}
    probe = subprocess.run(
        [sys.executable, "-c", "import botocore, boto3; print(botocore.__version__, boto3.__version__)"],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    assert probe.stdout.split() == [low, low]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *SUITE],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]

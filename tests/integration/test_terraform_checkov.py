"""checkov over terraform/: zero failed checks, and every skipped check justified inline.

checkov lives in its own venv (`make checkov` builds .venv-checkov; its pins clash with ours). It runs
offline (--skip-download). The test skips, saying why, only when no checkov binary can be found.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.tf_support import REPO, TERRAFORM_DIR

pytestmark = pytest.mark.terraform


def _checkov() -> str | None:
    if env := os.environ.get("CHECKOV"):
        return env
    local = REPO / ".venv-checkov" / "bin" / "checkov"
    return str(local) if local.exists() else shutil.which("checkov")


def _reports(raw: str) -> list[dict[str, Any]]:
    data = json.loads(raw)
    return data if isinstance(data, list) else [data]


def test_checkov_has_no_failed_checks_and_justifies_every_skip(tmp_path: Path) -> None:
    checkov = _checkov()
    if checkov is None:
        pytest.skip("checkov is not installed: run `make checkov` (it builds .venv-checkov) or set CHECKOV")
    proc = subprocess.run(
        [
            checkov,
            "-d",
            str(TERRAFORM_DIR),
            "--framework",
            "terraform",
            "--skip-download",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    assert proc.stdout.strip(), f"checkov printed nothing (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    reports = _reports(proc.stdout)
    failed = [c for r in reports for c in r["results"].get("failed_checks", [])]
    assert failed == [], "\n".join(f"{c['check_id']} {c['resource']} {c['file_path']}" for c in failed)
    assert proc.returncode == 0, proc.stderr[-3000:]

    skipped = [c for r in reports for c in r["results"].get("skipped_checks", [])]
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        assert len(reason.split()) >= 5, (
            f"{check['check_id']} on {check['resource']} is skipped without a reason"
        )
    passed = {c["check_id"] for r in reports for c in r["results"].get("passed_checks", [])}
    # The checks this module is built to pass: PITR, autoscaling, no wildcard IAM actions.
    assert {"CKV_AWS_28", "CKV2_AWS_16", "CKV_AWS_62", "CKV_AWS_63"} <= passed

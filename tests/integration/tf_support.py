"""Helpers for the Terraform tests: find terraform and the provider mirror, run terraform offline.

Nothing here hard-codes a machine path. The provider mirror is searched for (``TF_PROVIDER_MIRROR``
first, then the usual places) and a CLI config pointing at it is written per test, so the tests never
reach the registry. When terraform or the mirror is missing the tests skip and say which.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO / "terraform"
EXAMPLES = ("seed", "provisioned-autoscaling", "global-production")

#: The AWS provider block of a test root: every service at ``var.endpoint`` (a local engine), no account
#: or credential checks. A root that uses it declares ``variable "endpoint"``.
LOCAL_PROVIDER = """provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    dynamodb = var.endpoint
    iam      = var.endpoint
    kms      = var.endpoint
    sts      = var.endpoint
  }
}
"""

# Places a filesystem mirror of terraform providers usually lives; searched in order.
_MIRROR_ROOTS = (
    "/opt",
    "/usr/local/share/terraform",
    "/usr/share/terraform",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
)


def terraform_binary() -> str | None:
    return shutil.which("terraform")


def _mirror_root_of(provider_file: Path) -> Path | None:
    """The directory above ``registry.terraform.io`` (unpacked or packed mirror layout)."""
    for parent in provider_file.parents:
        if parent.name == "registry.terraform.io":
            return parent.parent
    return None


@cache
def find_provider_mirror() -> Path | None:
    """A filesystem mirror holding hashicorp/aws, or None."""
    candidates: list[Path] = []
    if env := os.environ.get("TF_PROVIDER_MIRROR"):
        candidates.append(Path(env))
    candidates += [Path(p).expanduser() for p in _MIRROR_ROOTS]
    for root in candidates:
        if not root.is_dir():
            continue
        try:
            out = subprocess.run(
                [
                    "find",
                    str(root),
                    "-maxdepth",
                    "8",
                    "-name",
                    "terraform-provider-aws*",
                    "-path",
                    "*hashicorp/aws*",
                ],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        for line in out.splitlines():
            mirror = _mirror_root_of(Path(line))
            if mirror is not None:
                return mirror
    return None


def skip_reason() -> str | None:
    """Why the terraform tests cannot run here, or None if they can."""
    if terraform_binary() is None:
        return "terraform is not installed (not on PATH): the Terraform module tests need it"
    if find_provider_mirror() is None:
        return (
            "no filesystem mirror of the hashicorp/aws provider found (set TF_PROVIDER_MIRROR to its directory);"
            " the tests run offline and never download providers"
        )
    return None


def write_cli_config(directory: Path) -> Path:
    """A terraform CLI config that installs providers from the mirror only."""
    mirror = find_provider_mirror()
    if mirror is None:
        raise RuntimeError("no provider mirror: call skip_reason() first")
    config = directory / "terraformrc"
    config.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "}\n"
    )
    return config


def tf_env(directory: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for terraform: the offline CLI config, no prompts, no version check."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AWS_"))}
    env.update(
        TF_CLI_CONFIG_FILE=str(write_cli_config(directory)),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
    )
    if extra:
        env.update(extra)
    return env


def copy_module(destination: Path) -> Path:
    """A private copy of terraform/ (so parallel tests never share .terraform or state)."""
    target = destination / "terraform"
    shutil.copytree(
        TERRAFORM_DIR,
        target,
        ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "terraform.tfstate*", "*.tfplan"),
    )
    return target


def run_tf(
    args: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    *,
    timeout: float = 300,
    ok_codes: Sequence[int] = (0,),
) -> subprocess.CompletedProcess[str]:
    """Run terraform; on an unexpected exit code fail with its output."""
    binary = terraform_binary()
    assert binary is not None
    started = time.monotonic()
    proc = subprocess.run(
        [binary, *args, "-no-color"],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if os.environ.get("SINGLETABLE_TF_TIMINGS"):
        print(f"terraform {args[0]}: {time.monotonic() - started:.1f} s", file=sys.stderr)
    if proc.returncode not in ok_codes:
        raise AssertionError(
            f"terraform {' '.join(args)} in {cwd} exited {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}"
        )
    return proc


@contextmanager
def local_engine_process() -> Iterator[str]:
    """The local engine over HTTP, started by our own CLI (`singletable local`) in a child process, so its
    moto state is shared with no other test. It prints its endpoint first; SIGINT stops it cleanly."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "singletable.cli", "local", "--port", "0", "--ttl-sweep", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        line = proc.stdout.readline().strip()
        if not line.startswith("http") or time.monotonic() > deadline:
            raise RuntimeError(f"the local engine did not start (printed {line!r})")
        yield line
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

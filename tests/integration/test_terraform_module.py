"""The Terraform module checked by terraform itself: fmt, validate, and `terraform test` (mocked provider).

Each test works on a private copy of terraform/ so that xdist workers never share a .terraform directory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.integration.tf_support import EXAMPLES, TERRAFORM_DIR, copy_module, run_tf, skip_reason, tf_env

pytestmark = pytest.mark.terraform
needs_terraform = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")

# The seed's terraform.tfvars, byte for byte (the spec's block, including its odd spacing and trailing
# space). `terraform fmt` would realign it, so it is the one file exempt from the fmt check.
SEED_TFVARS = (
    "# terraform.tfvars\n"
    'table_name = "my-app-main-table"\n'
    'billing_mode = "PAY_PER_REQUEST"    # or "PROVISIONED" \n'
    "enable_point_in_time_recovery = true\n"
    "enable_encryption = true\n"
)
SPEC = TERRAFORM_DIR.parent / "docs" / "seed-spec.md"  # the seed spec, verbatim, in the repository


def test_seed_tfvars_is_the_seeds_verbatim() -> None:
    assert (TERRAFORM_DIR / "examples" / "seed" / "terraform.tfvars").read_text() == SEED_TFVARS
    assert SEED_TFVARS in SPEC.read_text()


@needs_terraform
def test_fmt_check_recursive(tmp_path: Path) -> None:
    proc = run_tf(
        ["fmt", "-check", "-recursive", "-list=true"], TERRAFORM_DIR, tf_env(tmp_path), ok_codes=(0, 3)
    )
    unformatted = {line.strip() for line in proc.stdout.splitlines() if line.strip()}
    assert unformatted <= {"examples/seed/terraform.tfvars"}, f"run `terraform fmt -recursive`: {unformatted}"


@needs_terraform
@pytest.mark.parametrize("directory", [".", *(f"examples/{e}" for e in EXAMPLES)])
def test_validate(directory: str, tmp_path: Path) -> None:
    module = copy_module(tmp_path)
    env = tf_env(tmp_path)
    workdir = module / directory
    run_tf(["init", "-backend=false", "-input=false"], workdir, env)
    proc = run_tf(["validate"], workdir, env)
    assert "Success" in proc.stdout


@needs_terraform
@pytest.mark.parametrize("test_file", sorted(p.name for p in (TERRAFORM_DIR / "tests").glob("*.tftest.hcl")))
def test_terraform_test(test_file: str, tmp_path: Path) -> None:
    """`terraform test` on one file (one file per pytest test, so xdist spreads them over the cores)."""
    module = copy_module(tmp_path)
    env = tf_env(tmp_path)
    run_tf(["init", "-backend=false", "-input=false"], module, env)
    proc = run_tf(["test", f"-filter=tests/{test_file}"], module, env, timeout=600)
    assert "0 failed" in proc.stdout and "Success!" in proc.stdout, proc.stdout


def test_readme_documents_every_input_and_output() -> None:
    readme = (TERRAFORM_DIR / "README.md").read_text()
    for kind, file in (("variable", "variables.tf"), ("output", "outputs.tf")):
        names = re.findall(rf'^{kind} "([^"]+)"', (TERRAFORM_DIR / file).read_text(), flags=re.M)
        missing = [n for n in names if f"| `{n}` |" not in readme]
        assert not missing, f"README.md lacks rows for these {kind}s: {missing}"


def _readme_hcl_blocks() -> list[str]:
    text = (TERRAFORM_DIR / "README.md").read_text()
    return re.findall(r"^```hcl\n(.*?)^```", text, flags=re.M | re.S)


def test_readme_has_usage_snippets() -> None:
    assert len(_readme_hcl_blocks()) >= 2


@needs_terraform
@pytest.mark.parametrize("index", range(len(_readme_hcl_blocks())))
def test_readme_usage_snippet_validates(index: int, tmp_path: Path) -> None:
    """Each ```hcl block of terraform/README.md, as a root module beside a copy of the module, validates
    (it once used an `aws_iam_role.dynamodb_svc` it never declared)."""
    copy_module(tmp_path)
    (tmp_path / "main.tf").write_text(_readme_hcl_blocks()[index])
    env = tf_env(tmp_path)
    run_tf(["init", "-backend=false", "-input=false"], tmp_path, env)
    proc = run_tf(["validate"], tmp_path, env)
    assert "Success" in proc.stdout
    run_tf(["fmt", "-check", "main.tf"], tmp_path, env)

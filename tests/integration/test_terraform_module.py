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


def _readme_rows(section_start: str, section_end: str | None, columns: int) -> dict[str, list[str]]:
    """The rows of one README table, keyed by the name in their first cell."""
    readme = (TERRAFORM_DIR / "README.md").read_text()
    start = readme.index(section_start)
    section = readme[start : readme.index(section_end, start) if section_end else None]
    cells = r" \| ".join(["(.*)"] * (columns - 1))
    return {m[0]: list(m[1:]) for m in re.findall(rf"^\| `([^`]+)` \| {cells} \|$", section, flags=re.M)}


def _blocks(kind: str, file: str) -> dict[str, str]:
    text = (TERRAFORM_DIR / file).read_text()
    return dict(re.findall(rf'^{kind} "([^"]+)" \{{\n(.*?)^\}}', text, flags=re.M | re.S))


def test_readme_documents_every_input_and_output() -> None:
    """The inputs and outputs tables cannot go stale: one row per variable and output and no other,
    the Required and (literal) Default columns as in variables.tf, output descriptions verbatim."""
    variables = _blocks("variable", "variables.tf")
    inputs = _readme_rows("## Inputs", "## Outputs", 5)
    assert sorted(inputs) == sorted(variables), (
        f"README inputs table: missing {sorted(set(variables) - set(inputs))}, "
        f"stale {sorted(set(inputs) - set(variables))}"
    )
    for name, body in variables.items():
        _, _, default_cell, required_cell = inputs[name]
        default = re.search(r"^  default\s*=\s*(.+)$", body, flags=re.M)
        assert required_cell.strip() == ("no" if default else "yes"), f"{name}: Required column"
        literal = default.group(1).strip() if default else None
        if literal and re.fullmatch(r'true|false|null|-?[0-9.]+|"[^"]*"|\[.*\]', literal):
            assert default_cell.strip() == f"`{literal}`", (
                f"{name}: README default {default_cell} != {literal}"
            )

    outputs = {
        name: re.search(r'^  description = "((?:[^"\\]|\\.)*)"', body, flags=re.M)
        for name, body in _blocks("output", "outputs.tf").items()
    }
    rows = _readme_rows("## Outputs", None, 2)
    assert sorted(rows) == sorted(outputs), (
        f"README outputs table: missing {sorted(set(outputs) - set(rows))}, stale {sorted(set(rows) - set(outputs))}"
    )
    for name, match in outputs.items():
        assert match is not None, f"output {name} has no description"
        assert rows[name][0] == match.group(1).replace('\\"', '"'), (
            f"{name}: README description differs from outputs.tf"
        )


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

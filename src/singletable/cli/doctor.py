"""``singletable doctor``: the live table against the spec the Terraform module defines, drift by drift."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer

from singletable.cli.options import (
    EXIT_FAILED,
    AttemptsOpt,
    DebugOpt,
    EndpointOpt,
    Output,
    OutputOpt,
    ProfileOpt,
    RegionOpt,
    TableOpt,
    billing,
    err_console,
    errors,
    json_dumps,
)
from singletable.cli.render import write
from singletable.spec import Drift

SPEC = "Terraform module spec"


def _tf_bool(value: bool) -> str:
    return "true" if value else "false"


def _fix(drift: Drift, table: str) -> str:
    """The drift's fix, in the Terraform module's variable names, with the one-off aws CLI command."""
    want = drift.expected
    if drift.what == "point-in-time recovery":
        return (
            f"set enable_point_in_time_recovery = {_tf_bool(want)} and apply (now: aws dynamodb "
            f"update-continuous-backups --table-name {table} --point-in-time-recovery-specification "
            f"PointInTimeRecoveryEnabled={_tf_bool(want)})"
        )
    if drift.what == "deletion protection":
        flag = "--deletion-protection-enabled" if want else "--no-deletion-protection-enabled"
        return (
            f"set deletion_protection_enabled = {_tf_bool(want)} and apply "
            f"(now: aws dynamodb update-table --table-name {table} {flag})"
        )
    if drift.what == "billing mode":
        return f'set billing_mode = "{want}" and apply'
    if drift.what == "TTL":
        attr = want[1]
        return (
            f'set ttl_enabled = true and ttl_attribute_name = "{attr}" and apply (now: aws dynamodb '
            f"update-time-to-live --table-name {table} --time-to-live-specification Enabled=true,AttributeName={attr})"
        )
    return drift.fix


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(" ".join(map(str, v)) if isinstance(v, tuple) else str(v) for v in value) or "none"
    if isinstance(value, tuple):
        return " ".join("-" if v is None else str(v) for v in value)
    return str(value)


def doctor(
    billing_mode: Annotated[
        str, typer.Option("--billing-mode", help="Expected billing_mode: PAY_PER_REQUEST or PROVISIONED.")
    ] = "PAY_PER_REQUEST",
    pitr: Annotated[
        bool, typer.Option("--pitr/--no-pitr", help="Expected enable_point_in_time_recovery.")
    ] = True,
    deletion_protection: Annotated[
        bool,
        typer.Option(
            "--deletion-protection/--no-deletion-protection", help="Expected deletion_protection_enabled."
        ),
    ] = True,
    ttl_attribute: Annotated[
        str, typer.Option("--ttl-attribute", help='Expected ttl_attribute_name ("" when TTL is off).')
    ] = "expires_at",
    encryption: Annotated[
        bool, typer.Option("--encryption/--no-encryption", help="Expected enable_encryption (a KMS key).")
    ] = True,
    kms_key_arn: Annotated[
        str | None, typer.Option("--kms-key-arn", help="Expected kms_key_arn.", show_default=False)
    ] = None,
    terraform: Annotated[
        Path | None,
        typer.Option(
            "--terraform",
            help="Expect the table a Terraform root describes: its directory (terraform output -json is run "
            "there) or a saved outputs JSON file, read through the module's table_spec output. The options "
            "above are then ignored.",
            show_default=False,
        ),
    ] = None,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    output: OutputOpt = Output.table,
    debug: DebugOpt = False,
) -> None:
    """Compare the live table with the Terraform module's spec and print each drift with its fix (exit 1 on drift).

    Example: singletable doctor --table my-app-main-table --profile dynamodb-svc

    Checked: key schema and types, GSI1 (keys, projection), TTL, billing mode, point-in-time recovery,
    deletion protection and encryption at rest. The defaults are the module's defaults; pass the
    options above when your terraform.tfvars sets other values.
    """
    from singletable.spec import TableSpec

    with errors(debug) as run:
        planned = TableSpec.from_terraform(terraform) if terraform is not None else None
        if planned is not None and table is None:
            table = planned.name
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        mode = billing(billing_mode)
        spec = (
            dataclasses.replace(planned, name=conn.table)
            if planned is not None
            else TableSpec(
                name=conn.table,
                billing_mode=mode,
                point_in_time_recovery=pitr,
                deletion_protection=deletion_protection,
                ttl_attribute=ttl_attribute or None,
                encryption=encryption,
                kms_key_arn=kms_key_arn,
            )
        )
        client = conn.client()
        drifts = spec.verify(client, strict=True)
        where = conn.endpoint_url or "AWS"
        if output is Output.table:
            write(f"doctor: table {conn.table!r} at {where} against the {SPEC}")
            if not drifts:
                write(
                    "  ok  no drift: keys, GSI1, TTL, billing mode, point-in-time recovery, deletion protection "
                    "and encryption match"
                )
            for d in drifts:
                write(f"  DRIFT  {d.what}: expected {_show(d.expected)}, found {_show(d.actual)}")
                write(f"         fix: {_fix(d, conn.table)}")
        else:
            rows = [
                {
                    "what": d.what,
                    "expected": _jsonable(d.expected),
                    "actual": _jsonable(d.actual),
                    "fix": _fix(d, conn.table),
                }
                for d in drifts
            ]
            if output is Output.json:
                write(json_dumps({"table": conn.table, "endpoint": where, "drift": rows}, indent=2))
            else:
                for row in rows:
                    write(json_dumps(row))
        if drifts:
            n = len(drifts)
            err_console.print(
                f"error: table {conn.table!r} drifts from the {SPEC} in {n} place{'s' if n != 1 else ''}. "
                "Fix: apply each fix above, then run singletable doctor again",
                markup=False,
            )
            raise typer.Exit(EXIT_FAILED)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def register(app: typer.Typer) -> None:
    """Add doctor."""
    app.command("doctor")(doctor)

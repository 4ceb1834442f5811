"""``singletable table create | describe | list | delete``: the table itself, from the module's TableSpec."""

from __future__ import annotations

from typing import Annotated

import typer

from singletable.cli.options import (
    AttemptsOpt,
    DebugOpt,
    EndpointOpt,
    Output,
    OutputOpt,
    ProfileOpt,
    RegionOpt,
    TableOpt,
    billing,
    describe_table,
    errors,
    fail,
    json_dumps,
    note,
)
from singletable.cli.render import write
from singletable.errors import DeletionProtectedError, TableExistsError

table_app = typer.Typer(
    name="table",
    help="Create, describe, list and delete tables (the Terraform module's TableSpec).",
    no_args_is_help=True,
)


@table_app.command("create")
def create(
    billing_mode: Annotated[
        str, typer.Option("--billing-mode", metavar="MODE", help="PAY_PER_REQUEST or PROVISIONED.")
    ] = "PAY_PER_REQUEST",
    pitr: Annotated[bool, typer.Option("--pitr/--no-pitr", help="Point-in-time recovery.")] = True,
    deletion_protection: Annotated[
        bool,
        typer.Option(
            "--deletion-protection/--no-deletion-protection",
            help="Deletion protection (the module's default is on; off suits a local table).",
        ),
    ] = True,
    ttl_attribute: Annotated[
        str, typer.Option("--ttl-attribute", metavar="NAME", help='TTL attribute ("" for no TTL).')
    ] = "expires_at",
    encryption: Annotated[
        bool, typer.Option("--encryption/--no-encryption", help="KMS encryption at rest.")
    ] = True,
    exist_ok: Annotated[
        bool,
        typer.Option("--exist-ok", help="An existing table that matches the spec is fine (exit 0)."),
    ] = False,
    stream: Annotated[
        str | None,
        typer.Option(
            "--stream",
            metavar="VIEW",
            help="Turn the stream on: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES (as the module's "
            "stream_enabled + stream_view_type); `singletable tail` follows it.",
            show_default=False,
        ),
    ] = None,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    debug: DebugOpt = False,
) -> None:
    """Create the table as the Terraform module does: PK/SK, GSI1 (SK, PK), TTL, PITR, encryption.

    Example: singletable table create --table my-app-copy --no-deletion-protection
    """
    from botocore.exceptions import ClientError

    from singletable.spec import TableSpec

    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        spec = TableSpec(
            name=conn.table,
            billing_mode=billing(billing_mode),
            point_in_time_recovery=pitr,
            deletion_protection=deletion_protection,
            ttl_attribute=ttl_attribute or None,
            stream_view_type=stream.upper() if stream else None,
            encryption=encryption,
        )
        try:
            spec.create(conn.client(), exist_ok=exist_ok)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
                raise
            raise TableExistsError(
                f"table {conn.table!r} already exists at {conn.endpoint_url or 'AWS'}",
                hint=f"use it, pass --exist-ok, or delete it first: singletable table delete --table {conn.table} --yes",
            ) from None
        ttl = f"TTL on {spec.ttl_attribute}" if spec.ttl_attribute else "no TTL"
        note(f"table {conn.table!r} ready at {conn.endpoint_url or 'AWS'} (PK/SK, GSI1 = SK->PK, {ttl})")


@table_app.command("describe")
def describe(
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    debug: DebugOpt = False,
) -> None:
    """Print DescribeTable's answer as JSON.

    Example: singletable table describe --table my-app-main-table
    """
    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        desc = describe_table(conn.open())
        write(json_dumps(desc, indent=2))


@table_app.command("list")
def list_tables(
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    output: OutputOpt = Output.jsonl,
    debug: DebugOpt = False,
) -> None:
    """List the tables at the endpoint, one name a line (-o json: one array).

    Example: singletable table list
    """
    with errors(debug) as run:
        conn = run.connect(None, endpoint_url, region, profile, max_attempts)
        names: list[str] = []
        for page in conn.client().get_paginator("list_tables").paginate():
            names.extend(page.get("TableNames", []))
        if output is Output.json:
            write(json_dumps(names, indent=2))
        else:
            for name in names:
                write(name)


@table_app.command("delete")
def delete(
    yes: Annotated[bool, typer.Option("--yes", help="Really delete it, with every item.")] = False,
    table: TableOpt = None,
    endpoint_url: EndpointOpt = None,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
    max_attempts: AttemptsOpt = 3,
    debug: DebugOpt = False,
) -> None:
    """Delete the table and every item in it (refused while deletion protection is on).

    Example: singletable table delete --table my-app-copy --yes
    """
    with errors(debug) as run:
        conn = run.connect(table, endpoint_url, region, profile, max_attempts)
        if not yes:
            fail(f"deleting {conn.table!r} deletes every item in it. Fix: add --yes if you mean it")
        t = conn.open()
        desc = describe_table(t)
        if desc.get("DeletionProtectionEnabled"):
            raise DeletionProtectedError(
                f"table {conn.table!r} has deletion protection on",
                hint=f"turn it off first: set deletion_protection_enabled = false and apply, or aws dynamodb "
                f"update-table --table-name {conn.table} --no-deletion-protection-enabled",
            )
        t.client.delete_table(TableName=conn.table)
        note(f"deleted table {conn.table!r} at {conn.endpoint_url or 'AWS'}")


def register(app: typer.Typer) -> None:
    """Add the table group."""
    app.add_typer(table_app)

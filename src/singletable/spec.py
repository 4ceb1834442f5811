"""TableSpec: the table the Terraform module creates, as one Python object.

It can create that table on any endpoint and verify a live table against it, reporting every
difference with the change that fixes it. Defaults match ``terraform/`` (keep them in step).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from botocore.exceptions import ClientError

from singletable.errors import (
    EngineFeatureMissingError,
    StreamViewTypeError,
    TableMismatchError,
    TableNotFoundError,
    ValidationError,
)

BillingMode = Literal["PAY_PER_REQUEST", "PROVISIONED"]


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """A global secondary index with string keys."""

    name: str
    hash_key: str
    range_key: str | None = None
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"] = "ALL"
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Drift:
    """One difference between the spec and the live table."""

    what: str
    expected: Any
    actual: Any
    fix: str

    def __str__(self) -> str:
        return f"{self.what}: expected {self.expected!r}, found {self.actual!r} ({self.fix})"


GSI1 = IndexSpec("GSI1", hash_key="SK", range_key="PK")
SPARSE_GSI1 = IndexSpec("GSI1", hash_key="GSI1PK", range_key="GSI1SK")
"""GSI1 as the module makes it with ``gsi1_key_mode = "sparse"``: its own key attributes, written (a copy
of SK and PK) only for entities that declare ``__reverse__ = True``, so the others cost no index write
and cannot crowd one GSI1 partition (a constant SK such as ``PROFILE``)."""


#: DynamoDB's stream view types, as the module's ``stream_view_type`` validates them.
STREAM_VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")


@dataclass(frozen=True, slots=True)
class TableSpec:
    """The single table: string keys ``PK``/``SK``, ``GSI1`` inverted (hash SK, range PK), TTL attribute."""

    name: str = "my-app-main-table"
    pk: str = "PK"
    sk: str = "SK"
    indexes: tuple[IndexSpec, ...] = (GSI1,)
    ttl_attribute: str | None = "expires_at"
    billing_mode: BillingMode = "PAY_PER_REQUEST"
    read_capacity: int = 5
    write_capacity: int = 5
    point_in_time_recovery: bool = True
    encryption: bool = True
    """KMS encryption at rest (the AWS managed key aws/dynamodb, or ``kms_key_arn``), as the module's
    ``enable_encryption``; False leaves DynamoDB's AWS owned key."""
    kms_key_arn: str | None = None
    deletion_protection: bool = True
    stream_view_type: str | None = None
    """The stream's view type (the module's ``stream_view_type`` when ``stream_enabled``); None: no stream."""
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 3 <= len(self.name) <= 255:
            raise ValidationError(
                f"table name {self.name!r} must be 3 to 255 characters", field="name", hint="rename the table"
            )
        if self.stream_view_type is not None and self.stream_view_type not in STREAM_VIEW_TYPES:
            raise StreamViewTypeError(
                f"stream_view_type {self.stream_view_type!r} is not a stream view type",
                field="stream_view_type",
            )
        names = [i.name for i in self.indexes]
        if len(set(names)) != len(names):
            raise ValidationError(
                f"index names repeat: {names}", field="indexes", hint="give each index its own name"
            )

    @classmethod
    def from_terraform(
        cls, source: str | os.PathLike[str] | Mapping[str, Any], *, output: str = "table_spec"
    ) -> TableSpec:
        """The spec of a table the Terraform module made, from ``terraform output -json``: ``source`` is the
        root module's directory (terraform is run there), a file holding that JSON, or the parsed JSON.

        The module's ``table_spec`` output carries everything (a root that uses the module as a child
        re-exports it: ``output "table_spec" { value = module.table.table_spec }``), so the application
        and the module cannot drift apart silently: ``spec.verify(client)`` or ``singletable doctor
        --terraform DIR`` then compares the live table with it.
        """
        outputs = source if isinstance(source, Mapping) else _terraform_outputs(Path(source))
        entry = outputs.get(output)
        value = entry.get("value") if isinstance(entry, Mapping) else None
        if not isinstance(value, Mapping):
            raise ValidationError(
                f"the Terraform outputs have no {output!r} object (found: {sorted(outputs)})",
                field=output,
                hint=f'apply the module, and in a root that calls it add output "{output}" '
                f"{{ value = module.<name>.{output} }}",
            )
        try:
            indexes = tuple(
                IndexSpec(
                    name=i["name"],
                    hash_key=i["hash_key"],
                    range_key=i.get("range_key"),
                    projection=i.get("projection_type") or "ALL",
                    non_key_attributes=tuple(i.get("non_key_attributes") or ()),
                )
                for i in value["indexes"]
            )
            return cls(
                name=value["name"],
                pk=value["partition_key"],
                sk=value["sort_key"],
                indexes=indexes,
                ttl_attribute=value.get("ttl_attribute"),
                billing_mode=value.get("billing_mode") or "PAY_PER_REQUEST",
                read_capacity=value.get("read_capacity") or 5,
                write_capacity=value.get("write_capacity") or 5,
                point_in_time_recovery=bool(value.get("point_in_time_recovery", True)),
                encryption=bool(value.get("encryption", True)),
                kms_key_arn=value.get("kms_key_arn"),
                deletion_protection=bool(value.get("deletion_protection", True)),
                stream_view_type=value.get("stream_view_type"),
                tags=dict(value.get("tags") or {}),
            )
        except (KeyError, TypeError) as exc:
            raise ValidationError(
                f"the {output!r} output lacks {exc} or has another shape than the module's",
                field=output,
                hint="re-export the module's table_spec output unchanged, from a module version that has it",
            ) from None

    def index(self, name: str) -> IndexSpec:
        for idx in self.indexes:
            if idx.name == name:
                return idx
        raise ValidationError(
            f"table {self.name!r} has no index {name!r}",
            field="index",
            hint=f"use one of {[i.name for i in self.indexes]} or add the index to the TableSpec and the Terraform module",
        )

    def reverse_index(self) -> tuple[IndexSpec, bool] | None:
        """The reverse-lookup index and whether it is sparse: the inverted one (hash SK, range PK, every
        item in it), else GSI1 keyed on attributes of its own (only entities with ``__reverse__``)."""
        for idx in self.indexes:
            if idx.hash_key == self.sk and idx.range_key == self.pk:
                return idx, False
        for idx in self.indexes:
            if (
                idx.name == "GSI1"
                and idx.range_key
                and {idx.hash_key, idx.range_key}.isdisjoint({self.pk, self.sk})
            ):
                return idx, True
        return None

    def key_names(self, index: str | None = None) -> tuple[str, str | None]:
        if index is None:
            return self.pk, self.sk
        idx = self.index(index)
        return idx.hash_key, idx.range_key

    # -- create ---------------------------------------------------------------------------------------

    def create_request(self) -> dict[str, Any]:
        """The CreateTable request for this spec."""
        attrs = {self.pk, self.sk}
        for idx in self.indexes:
            attrs.add(idx.hash_key)
            if idx.range_key:
                attrs.add(idx.range_key)
        provisioned = {"ReadCapacityUnits": self.read_capacity, "WriteCapacityUnits": self.write_capacity}
        gsis = []
        for idx in self.indexes:
            schema = [{"AttributeName": idx.hash_key, "KeyType": "HASH"}]
            if idx.range_key:
                schema.append({"AttributeName": idx.range_key, "KeyType": "RANGE"})
            projection: dict[str, Any] = {"ProjectionType": idx.projection}
            if idx.projection == "INCLUDE":
                projection["NonKeyAttributes"] = list(idx.non_key_attributes)
            gsi: dict[str, Any] = {"IndexName": idx.name, "KeySchema": schema, "Projection": projection}
            if self.billing_mode == "PROVISIONED":
                gsi["ProvisionedThroughput"] = provisioned
            gsis.append(gsi)
        req: dict[str, Any] = {
            "TableName": self.name,
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attrs)],
            "KeySchema": [
                {"AttributeName": self.pk, "KeyType": "HASH"},
                {"AttributeName": self.sk, "KeyType": "RANGE"},
            ],
            "BillingMode": self.billing_mode,
            "DeletionProtectionEnabled": self.deletion_protection,
        }
        if gsis:
            req["GlobalSecondaryIndexes"] = gsis
        if self.billing_mode == "PROVISIONED":
            req["ProvisionedThroughput"] = provisioned
        if self.encryption:
            sse: dict[str, Any] = {"Enabled": True, "SSEType": "KMS"}
            if self.kms_key_arn:
                sse["KMSMasterKeyId"] = self.kms_key_arn
            req["SSESpecification"] = sse
        if self.stream_view_type:
            req["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": self.stream_view_type}
        if self.tags:
            req["Tags"] = [{"Key": k, "Value": v} for k, v in self.tags.items()]
        return req

    def create(self, client: Any, *, wait: bool = True, exist_ok: bool = False) -> None:
        """Create the table (with TTL and PITR) on the client's endpoint.

        Raises ST773 before creating anything when PITR is asked of an engine without it (DynamoDB
        Local, dynalite); ST773 too when TTL is asked of one without it (dynalite: the table exists)."""
        if self.point_in_time_recovery:
            self._check_pitr_served(client)
        try:
            client.create_table(**self.create_request())
        except ClientError as exc:
            if exist_ok and exc.response["Error"]["Code"] == "ResourceInUseException":
                self.raise_for_drift(client)
                return
            raise
        if wait:
            client.get_waiter("table_exists").wait(
                TableName=self.name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
            )
        if self.ttl_attribute:
            try:
                client.update_time_to_live(
                    TableName=self.name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": self.ttl_attribute},
                )
            except ClientError as exc:
                if not _unknown_operation(exc):
                    raise
                raise EngineFeatureMissingError(
                    f"table {self.name!r} was created without TTL: the engine at {_where(client)} does not "
                    "implement UpdateTimeToLive (dynalite lacks it)",
                    field="ttl_attribute",
                    hint="on this engine ask for no TTL (CLI: --ttl-attribute ''; TableSpec(ttl_attribute=None)) "
                    "after deleting the table, or use moto or DynamoDB Local",
                ) from None
        if self.point_in_time_recovery:
            _retry_while_creating(
                lambda: client.update_continuous_backups(
                    TableName=self.name,
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
                )
            )

    def _check_pitr_served(self, client: Any) -> None:
        # Asked before CreateTable, so nothing is left half made: AWS (and moto) answer
        # TableNotFoundException (or AccessDenied, or the table's backups), engines without PITR
        # UnknownOperationException, as they do to UpdateContinuousBackups.
        try:
            client.describe_continuous_backups(TableName=self.name)
        except ClientError as exc:
            if _unknown_operation(exc):
                raise EngineFeatureMissingError(
                    f"the engine at {_where(client)} does not implement point-in-time recovery "
                    f"(DynamoDB Local and dynalite lack it): table {self.name!r} was not created",
                    field="point_in_time_recovery",
                    hint="on a local engine ask for no PITR (CLI: --no-pitr; "
                    "TableSpec(point_in_time_recovery=False)); AWS and moto serve it",
                ) from None

    def delete(self, client: Any) -> None:
        """Delete the table, turning deletion protection off first."""
        try:
            client.update_table(TableName=self.name, DeletionProtectionEnabled=False)
            client.delete_table(TableName=self.name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise

    # -- verify ---------------------------------------------------------------------------------------

    def verify(self, client: Any, *, strict: bool = False) -> list[Drift]:
        """Differences between the live table and this spec.

        Always checked: key schema, key types, every index's keys and projection, TTL. With ``strict``
        also billing mode, point-in-time recovery, deletion protection, encryption and a declared stream
        (what ``doctor`` reports).
        """
        try:
            desc = client.describe_table(TableName=self.name)["Table"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                raise TableNotFoundError(
                    f"table {self.name!r} does not exist at {client.meta.endpoint_url}",
                    hint="apply the Terraform module (terraform/), or call TableSpec.create(client)",
                ) from None
            raise
        drifts: list[Drift] = []
        types = {a["AttributeName"]: a["AttributeType"] for a in desc.get("AttributeDefinitions", [])}
        want_keys = [(self.pk, "HASH"), (self.sk, "RANGE")]
        got_keys = [(k["AttributeName"], k["KeyType"]) for k in desc["KeySchema"]]
        if got_keys != want_keys:
            drifts.append(Drift("key schema", want_keys, got_keys, "keys cannot change: recreate the table"))
        for name, _ in want_keys:
            if name in types and types[name] != "S":
                drifts.append(
                    Drift(f"type of {name}", "S", types[name], "keys must be strings: recreate the table")
                )
        live = {g["IndexName"]: g for g in desc.get("GlobalSecondaryIndexes", [])}
        for idx in self.indexes:
            g = live.get(idx.name)
            if g is None:
                drifts.append(
                    Drift(
                        f"index {idx.name}", "present", "missing", f"add {idx.name} in the Terraform module"
                    )
                )
                continue
            want = [(idx.hash_key, "HASH")] + ([(idx.range_key, "RANGE")] if idx.range_key else [])
            got = [(k["AttributeName"], k["KeyType"]) for k in g["KeySchema"]]
            if got != want:
                drifts.append(
                    Drift(
                        f"index {idx.name} keys", want, got, f"recreate {idx.name} with hash {idx.hash_key}"
                    )
                )
            proj = g.get("Projection", {}).get("ProjectionType")
            if proj != idx.projection:
                drifts.append(
                    Drift(f"index {idx.name} projection", idx.projection, proj, "recreate the index")
                )
        if self.ttl_attribute:
            ttl = client.describe_time_to_live(TableName=self.name).get("TimeToLiveDescription", {})
            state = (ttl.get("TimeToLiveStatus"), ttl.get("AttributeName"))
            if state != ("ENABLED", self.ttl_attribute):
                drifts.append(
                    Drift(
                        "TTL",
                        ("ENABLED", self.ttl_attribute),
                        state,
                        f"enable TTL on attribute {self.ttl_attribute!r}",
                    )
                )
        if strict:
            drifts.extend(self._verify_settings(client, desc))
        return drifts

    def _verify_settings(self, client: Any, desc: dict[str, Any]) -> list[Drift]:
        drifts = []
        billing = desc.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
        if billing != self.billing_mode:
            drifts.append(
                Drift("billing mode", self.billing_mode, billing, f"set billing_mode = {self.billing_mode!r}")
            )
        try:
            backups = client.describe_continuous_backups(TableName=self.name)["ContinuousBackupsDescription"]
        except ClientError as exc:
            if not _unknown_operation(exc):
                raise
            backups = {}  # an engine without PITR (DynamoDB Local, dynalite): the table has none
        pitr = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus") == "ENABLED"
        if pitr != self.point_in_time_recovery:
            drifts.append(
                Drift(
                    "point-in-time recovery",
                    self.point_in_time_recovery,
                    pitr,
                    "set enable_point_in_time_recovery",
                )
            )
        sse = desc.get("SSEDescription") or {}
        kms = sse.get("Status") in ("ENABLED", "ENABLING", "UPDATING") and sse.get("SSEType") == "KMS"
        if kms != self.encryption:
            drifts.append(
                Drift(
                    "encryption at rest",
                    "KMS key" if self.encryption else "AWS owned key",
                    "KMS key" if kms else "AWS owned key",
                    f"set enable_encryption = {str(self.encryption).lower()} and apply",
                )
            )
        elif (
            kms
            and self.kms_key_arn
            and ":alias/" not in self.kms_key_arn
            and sse.get("KMSMasterKeyArn") != self.kms_key_arn
        ):
            drifts.append(
                Drift(
                    "encryption key",
                    self.kms_key_arn,
                    sse.get("KMSMasterKeyArn"),
                    f'set kms_key_arn = "{self.kms_key_arn}"',
                )
            )
        stream = desc.get("StreamSpecification") or {}
        live_view = stream.get("StreamViewType") if stream.get("StreamEnabled") else None
        # Only a declared stream is checked: a stream nobody declared costs nothing and breaks no reader.
        if self.stream_view_type is not None and live_view != self.stream_view_type:
            drifts.append(
                Drift(
                    "stream",
                    self.stream_view_type,
                    live_view or "off",
                    f'set stream_enabled = true and stream_view_type = "{self.stream_view_type}"',
                )
            )
        protected = bool(desc.get("DeletionProtectionEnabled", False))
        if protected != self.deletion_protection:
            drifts.append(
                Drift("deletion protection", self.deletion_protection, protected, "set deletion_protection")
            )
        return drifts

    def raise_for_drift(self, client: Any, *, strict: bool = False) -> None:
        drifts = self.verify(client, strict=strict)
        if drifts:
            raise TableMismatchError(
                f"table {self.name!r} differs from the spec: " + "; ".join(map(str, drifts)), drifts=drifts
            )


def _terraform_outputs(path: Path) -> Mapping[str, Any]:
    """``terraform output -json`` of the root module at ``path`` (a directory), or read from a file."""
    if path.is_dir():
        terraform = shutil.which("terraform")
        if terraform is None:
            raise ValidationError(
                f"{path} is a directory, and there is no terraform on PATH to read its outputs",
                field="terraform",
                hint=f"install terraform, or save the outputs: terraform -chdir={path} output -json > outputs.json",
            )
        proc = subprocess.run(
            [terraform, f"-chdir={path}", "output", "-json"], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise ValidationError(
                f"terraform output -json in {path} failed: {proc.stderr.strip()[:500]}",
                field="terraform",
                hint="run terraform init and apply there first (the outputs come from its state)",
            )
        text = proc.stdout
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationError(
                f"cannot read the Terraform outputs {path}: {exc.strerror}",
                field="terraform",
                hint="pass the root module's directory or a file from terraform output -json",
            ) from None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ValidationError(
            f"{path} holds no JSON object of Terraform outputs",
            field="terraform",
            hint="save it with terraform output -json > outputs.json",
        )
    return data


def _unknown_operation(exc: ClientError) -> bool:
    """The engine does not implement the call (local engines only: AWS implements every operation)."""
    return bool(exc.response.get("Error", {}).get("Code") == "UnknownOperationException")


def _where(client: Any) -> str:
    return str(getattr(getattr(client, "meta", None), "endpoint_url", None) or "the endpoint")


def _retry_while_creating(call: Any, attempts: int = 30) -> None:
    # PITR cannot be switched on while a fresh table is still settling on AWS.
    for i in range(attempts):
        try:
            call()
            return
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ContinuousBackupsUnavailableException" or i == attempts - 1:
                raise
            time.sleep(2)

"""``singletable env``: one step to point this shell's AWS tools at the local engine.

The aws CLI, boto3 and Terraform each want a region and credentials, and the seed's commands name the
profile ``dynamodb-svc``. This writes a local-only AWS config and credentials file (dummy keys, region
us-east-1, the profiles ``default`` and ``dynamodb-svc``) into singletable's own config folder, never
into ``~/.aws``, and prints the ``export`` lines that point AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE
and AWS_ENDPOINT_URL_DYNAMODB at them: ``eval "$(singletable env)"``.
"""

from __future__ import annotations

import os
import shlex
import socket
import time
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from singletable.cli.options import err_console
from singletable.client import LOCAL_REGION

#: The profiles written: boto3's and the aws CLI's default, and the one the seed's commands name.
PROFILES = ("default", "dynamodb-svc")
HEADER = (
    "# Written by `singletable env` for the local engine only: dummy credentials that no AWS account "
    "accepts.\n"
)


def local_aws_dir() -> Path:
    """Where the local-only AWS files go: ``$XDG_CONFIG_HOME/singletable/local-aws``."""
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(xdg) / "singletable" / "local-aws"


def write_profiles(directory: Path, region: str = LOCAL_REGION) -> tuple[Path, Path]:
    """Write ``config`` and ``credentials`` defining :data:`PROFILES`; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    config, credentials = directory / "config", directory / "credentials"
    sections = [
        f"[{'default' if p == 'default' else f'profile {p}'}]\nregion = {region}\noutput = json\n"
        for p in PROFILES
    ]
    config.write_text(HEADER + "\n".join(sections), encoding="utf-8")
    keys = [f"[{p}]\naws_access_key_id = local\naws_secret_access_key = local\n" for p in PROFILES]
    credentials.write_text(HEADER + "\n".join(keys), encoding="utf-8")
    return config, credentials


def exports(endpoint_url: str, config: Path, credentials: Path) -> str:
    """The shell lines that select the local files and endpoint."""
    pairs = {
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint_url,
        # The same engine serves DynamoDB Streams (aws dynamodbstreams, boto3's "dynamodbstreams" client).
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": endpoint_url,
    }
    lines = [f"export {k}={shlex.quote(v)}" for k, v in pairs.items()]
    lines.append(f"# back to your real AWS settings: unset {' '.join(pairs)}")
    return "\n".join(lines)


def wait_for(endpoint_url: str, seconds: float) -> bool:
    """Whether something accepts connections at the endpoint within ``seconds``."""
    parts = urlsplit(endpoint_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80)
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)


def env(
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="Port of `singletable local` on 127.0.0.1.")
    ] = 8000,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url", metavar="URL", help="Another endpoint instead of --port.", show_default=False
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            metavar="SECONDS",
            help="Wait this long for the engine to answer (it may still be starting); 0 does not wait.",
        ),
    ] = 10.0,
) -> None:
    """Print the exports that point the aws CLI, boto3, Terraform and singletable at the local engine.

    Example: singletable env --port 8000   (after singletable local --port 8000 &, as
    eval "$(singletable env --port 8000)" so the exports take effect)

    Writes a local-only AWS config and credentials file (region us-east-1, dummy keys, profiles default
    and dynamodb-svc) under ~/.config/singletable/local-aws; ~/.aws is not touched. The exports hold
    for the shell that evaluates them.
    """
    url = endpoint_url or f"http://127.0.0.1:{port}"
    config, credentials = write_profiles(local_aws_dir())
    if wait > 0 and not wait_for(url, wait):
        fix = "check the URL" if endpoint_url else f"start the engine: singletable local --port {port} &"
        err_console.print(f"warning: nothing answers at {url} yet. Fix: {fix}", markup=False)
    print(exports(url, config, credentials), flush=True)


def register(app: typer.Typer) -> None:
    """Add env."""
    app.command("env")(env)

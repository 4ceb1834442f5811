"""``singletable ui`` over plain HTTP (no browser): the token, the Host check, CSRF, read-only, escaping,
the data behind each page, ``--app`` and the command itself (the missing extra, the URL it prints)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from typer.testing import CliRunner

from singletable import Entity, Table
from singletable.cli import app as cli_app
from singletable.errors import UiAppError, UiInputError, VersionConflictError
from singletable.seed import ENTITIES, User
from singletable.ui import UiServer, load_app, open_table
from singletable.ui.browse import partition_of, read_partition, sort_key
from tests.integration.ui_support import XSS, demo_page

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("ui-http")]  # one page server


@pytest.fixture(scope="module")
def server(singletable_endpoint: str) -> Iterator[UiServer]:
    with demo_page(singletable_endpoint, write=True) as s:
        yield s


def fetch(
    url: str, *, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str, Any]:
    body = urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode(), resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), exc.headers


def token(server: UiServer) -> str:
    return str(server.app.state.page.token)


def csrf(server: UiServer) -> str:
    return str(server.app.state.page.guard.csrf)


def test_every_path_needs_the_token(server: UiServer) -> None:
    for path in ("/", "/partition?pk=USER%23123", "/patterns", "/item?pk=A&sk=B", "/capacity", "/nowhere"):
        status, body, _ = fetch(server.base + path)
        assert status == 403, path
        assert "token" in body
    status, _, headers = fetch(server.url)
    assert status == 200
    assert headers["Referrer-Policy"] == "no-referrer"  # the token never leaves in a Referer
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none': no script runs


def test_a_foreign_host_name_is_refused(server: UiServer) -> None:
    # DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends its own Host.
    status, body, _ = fetch(server.url, headers={"Host": "evil.example"})
    assert status == 403 and "loopback" in body


def test_writes_need_the_csrf_token_and_the_same_origin(server: UiServer) -> None:
    url = f"{server.base}/item?token={token(server)}"
    form = {"pk": "USER#123", "sk": "PROFILE", "item": "{}", "original": "{}"}
    status, body, _ = fetch(url, data=form)
    assert status == 403 and "CSRF" in body
    status, body, _ = fetch(
        url, data=form | {"csrf": csrf(server)}, headers={"Origin": "http://evil.example"}
    )
    assert status == 403 and "origin" in body


def test_a_changed_key_is_refused_and_nothing_is_written(server: UiServer) -> None:
    status, body, _ = fetch(f"{server.base}/item?token={token(server)}&pk=USER%23123&sk=PROFILE")
    original = re.search(r'name="original" value="([^"]*)"', body)
    assert original is not None
    import html

    text = html.unescape(original.group(1))
    form = {"csrf": csrf(server), "pk": "USER#123", "sk": "PROFILE", "original": text}
    status, body, _ = fetch(
        f"{server.base}/item?token={token(server)}", data=form | {"item": text.replace("PROFILE", "OTHER")}
    )
    assert status == 400 and "ST742" in body and "the key changed" in body


def test_the_xss_value_is_escaped_in_the_html(server: UiServer) -> None:
    status, body, _ = fetch(f"{server.base}/partition?token={token(server)}&pk=USER%23123")
    assert status == 200
    assert XSS not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_read_only_page_refuses_writes(singletable_endpoint: str) -> None:
    with demo_page(singletable_endpoint, write=False) as ro:
        status, body, _ = fetch(f"{ro.base}/item?token={token(ro)}&pk=USER%23123&sk=PROFILE")
        assert status == 200 and 'id="editor"' not in body and "read-only" in body.lower()
        form = {"csrf": csrf(ro), "pk": "USER#123", "sk": "PROFILE", "item": "{}", "original": "{}"}
        status, body, _ = fetch(f"{ro.base}/item?token={token(ro)}", data=form)
        assert status == 403 and "ST743" in body and "--write" in body
        status, body, _ = fetch(f"{ro.base}/delete?token={token(ro)}&pk=USER%23123&sk=PROFILE")
        assert status == 403 and "ST743" in body


def test_partition_pages_resume_by_cursor(server: UiServer) -> None:
    table = server.app.state.page.table
    first = read_partition(table, "USER#many", page_size=10)
    assert len(first.rows) == 10 and first.cursor
    second = read_partition(table, "USER#many", page_size=10, cursor=first.cursor)
    assert {r.sk for r in first.rows}.isdisjoint({r.sk for r in second.rows})
    assert '"ExclusiveStartKey"' not in first.request


def test_key_fields_make_the_partition_and_bad_input_is_catalogued() -> None:
    assert partition_of(User, {"user_id": "123"}, reverse=False) == "USER#123"
    with pytest.raises(UiInputError, match="fill in user_id"):
        partition_of(User, {}, reverse=False)
    with pytest.raises(UiInputError, match="between needs a high value"):
        sort_key("between", "A", "")
    assert sort_key("begins_with", "", "") is None


def test_app_loads_a_table_or_entities_and_says_what_is_wrong() -> None:
    assert load_app("singletable.seed:ENTITIES") == ENTITIES
    assert load_app("singletable.seed:User") == (User,)
    for target, message in (
        ("singletable.seed", "not module:attr"),
        ("no_such_module_xyz:t", "cannot import"),
        ("singletable.seed:nothing", "has no nothing"),
        ("singletable.seed:SEED_USER", "not a Table"),
    ):
        with pytest.raises(UiAppError, match=message):
            load_app(target)


def test_ui_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now raises ImportError
    result = CliRunner().invoke(cli_app, ["ui", "--no-browser"])
    assert result.exit_code == 2
    assert "[ST740]" in result.output and "pip install 'singletable[ui]'" in result.output


def test_the_command_prints_the_url_and_serves(singletable_endpoint: str) -> None:
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "singletable", "ui", "--no-browser"),
            *("--endpoint-url", singletable_endpoint, "--table", f"missing-{uuid.uuid4().hex[:8]}"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{20,}", url), url
        deadline = time.monotonic() + 20
        while True:
            try:
                status, body, _ = fetch(url)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        # The table does not exist: the page says so in one catalogued line (and stays up).
        assert status == 400 and "[ST300]" in body and "read-only" in body
        assert fetch(url.split("?")[0])[0] == 403
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_app_may_be_a_table_whose_spec_and_entities_the_page_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ui_app_example.py").write_text(
        "from singletable import Table\n"
        "from singletable.seed import ENTITIES\n"
        "from singletable.spec import TableSpec\n"
        "table = Table(TableSpec(name='app-table'), endpoint_url='http://127.0.0.1:9', entities=ENTITIES)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    client = object()
    opened = open_table(app="ui_app_example:table", table=None, client=client, default_name="cli-default")
    assert opened.name == "app-table" and opened.entities == ENTITIES and opened.client is client
    assert open_table(app="ui_app_example:table", table="other", client=client).name == "other"
    assert open_table(app=None, table=None, client=client, default_name="cli-default").entities == ()


def test_the_chromium_install_script_never_fails_the_build(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "install-chromium.sh"
    env = {"PATH": str(tmp_path), "CHROMIUM_BIN": str(tmp_path / "no-chromium")}  # no apt-get on PATH
    done = subprocess.run(["/bin/bash", str(script)], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "apt-get not found" in done.stdout and "skip" in done.stdout


def test_ui_help_shows_an_example_and_word_metavars() -> None:
    result = CliRunner().invoke(cli_app, ["ui", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Example: singletable ui" in result.stdout
    for python_type in ("<bool>", "<str>", "<int", "<float", "<path>"):
        assert python_type not in result.stdout


class Doc(Entity):
    """A versioned entity of another domain: the editor bumps its version as Table.put would."""

    __pk__ = "DOC#{doc_id}"
    __sk__ = "DOC"
    __version_field__ = "version"

    doc_id: str
    title: str
    version: int = 0


def test_an_edit_of_a_versioned_entity_writes_the_next_version(singletable_table: Table) -> None:
    from singletable.ui import edit

    singletable_table.register(Doc)
    singletable_table.put(Doc(doc_id="1", title="draft"))
    read = edit.read_item(singletable_table, "DOC#1", "DOC")
    assert read is not None and read["version"] == 1
    text = edit.as_text(read)
    saved = edit.save(singletable_table, text.replace("draft", "final"), text, "DOC#1", "DOC")
    assert saved.ok
    doc = singletable_table.get(Doc, doc_id="1")
    assert doc is not None and (doc.title, doc.version) == ("final", 2)
    # The app's own optimistic write from version 1 now fails: the edit is not lost.
    stale = Doc(doc_id="1", title="stale", version=1)
    with pytest.raises(VersionConflictError):
        singletable_table.put(stale)
    # A second save from the same (now stale) read is a conflict, and nothing is written.
    again = edit.save(singletable_table, text.replace("draft", "other"), text, "DOC#1", "DOC")
    assert not again.ok and again.conflict is not None and again.conflict["title"] == "final"

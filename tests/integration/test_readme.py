"""README.md as a newcomer types it: every code block, in order, on a fresh copy of the repository, against
a fresh local engine; the output the README shows after a ``$`` command is checked against what it prints.

The conventions, all visible in README.md:

- ```python blocks run in one Python session, in order (names defined in one block serve the next).
- ```bash blocks run in one shell session, in order, under ``set -e``: exports and the current folder
  carry over to later blocks, and into the Python session.
- ```console blocks: a line starting with ``$ `` is a command, the lines after it up to a blank line or
  the next command are its output. A command must exit 0 unless it ends with ``# exit N``.
- Blocks without a language are output (or a listing) and are not run; neither are other languages.
- ``<!-- not run: reason -->`` on the line just above a block skips it, and says why.
- The test starts the engine itself (``singletable local --port 0`` in a child process), so the README's
  ``singletable local ... &`` line is the one line not run, and its port 8000 becomes the engine's port.
- ``.venv`` in the copy is this interpreter's environment (the README activates it after ``make demo``).

The terraform and checkov blocks live in terraform/README.md and are covered by test_terraform_module.py
(each ``hcl`` snippet validated) and test_terraform_examples.py (the examples applied to the engine).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.integration.tf_support import local_engine_process

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.+?)\s*-->")
EXIT = re.compile(r"#\s*exit (\d+)\s*$")
README_PORT = "8000"
TIMEOUT = 120


@dataclass
class Block:
    lang: str
    code: str
    line: int  # 1-based line of the opening fence
    skip: str | None = None


@dataclass
class Command:
    text: str
    output: list[str] = field(default_factory=list)
    exit_code: int = 0


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text, each with the `not run` reason written just above it."""
    out: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\S*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        above = lines[start - 1] if start > 0 else ""
        skip = NOT_RUN.search(above)
        out.append(Block(m.group(1), "\n".join(lines[start + 1 : j]), start + 1, skip and skip.group(1)))
        i = j + 1
    return out


def console_commands(code: str) -> list[Command]:
    """``$ command`` lines and the output lines under each."""
    commands: list[Command] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            text = line[2:]
            m = EXIT.search(text)
            commands.append(Command(text, exit_code=int(m.group(1)) if m else 0))
        elif commands and (line.strip() or commands[-1].output):
            commands[-1].output.append(line)
    for c in commands:
        while c.output and not c.output[-1].strip():
            c.output.pop()
    return commands


def test_readme_blocks_are_found() -> None:
    found = blocks(README.read_text())
    langs = {b.lang for b in found}
    assert {"python", "bash", "console"} <= langs
    assert found[0].skip and "make demo" in found[0].code  # the first lines stay the two make commands


def test_console_parsing() -> None:
    cmds = console_commands("$ a   # exit 2\nout1\n\nout2? no\n$ b\n")
    assert [(c.text.split()[0], c.exit_code) for c in cmds] == [("a", 2), ("b", 0)]
    assert cmds[0].output == ["out1", "", "out2? no"]


# -- the run ---------------------------------------------------------------------------------------------

DRIVER = r"""
import json, os, sys, traceback
replies = os.fdopen(int(sys.argv[1]), "w")
namespace = {"__name__": "__main__"}
for line in sys.stdin:
    msg = json.loads(line)
    os.environ.clear()
    os.environ.update(msg["env"])
    os.chdir(msg["cwd"])
    try:
        exec(compile(msg["code"], msg["name"], "exec"), namespace)
        reply = {"ok": True}
    except BaseException:
        reply = {"ok": False, "error": traceback.format_exc()}
    sys.stdout.flush()
    sys.stderr.flush()
    replies.write(json.dumps(reply) + "\n")
    replies.flush()
"""


class Session:
    """One shell session (state carried in files between commands) and one Python session."""

    def __init__(self, workdir: Path, env: dict[str, str], port: str) -> None:
        self.workdir = workdir
        self.port = port
        self.state = workdir.parent / "shell-state"
        self.state.mkdir()
        (self.state / "env").write_text("")
        (self.state / "cwd").write_text(str(workdir))
        self.env = env
        self.python: subprocess.Popen[str] | None = None
        self.python_log = self.state / "python.log"

    def localise(self, code: str) -> str:
        return re.sub(rf"\b{README_PORT}\b", self.port, code)

    def shell(self, code: str) -> subprocess.CompletedProcess[str]:
        """Run ``code`` in the session's shell; stdout and stderr merged, in the order they were written."""
        script = (
            f'set -a; . "{self.state}/env"; set +a; cd "$(cat "{self.state}/cwd")"\n'
            "set -e -o pipefail\n"
            f"{code}\n"
            f'env -0 > "{self.state}/env0"; pwd > "{self.state}/cwd"\n'
            f'export -p > "{self.state}/env"\n'
        )
        # `export -p` re-sourced with `set -a` is how the next command inherits this one's exports.
        return subprocess.run(
            ["bash", "-c", script],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )

    def shell_env(self) -> dict[str, str]:
        path = self.state / "env0"
        if not path.exists():
            return dict(self.env)
        pairs = (entry.split("=", 1) for entry in path.read_text().split("\0") if "=" in entry)
        return dict(pairs)

    def run_python(self, code: str, name: str) -> None:
        if self.python is None:
            read, write = os.pipe()
            self.python = subprocess.Popen(
                [sys.executable, "-c", DRIVER, str(write)],
                stdin=subprocess.PIPE,
                stdout=self.python_log.open("w"),
                stderr=subprocess.STDOUT,
                pass_fds=(write,),
                env=self.shell_env(),
                cwd=self.workdir,
                text=True,
            )
            os.close(write)
            self.replies = os.fdopen(read)
        assert self.python.stdin is not None
        msg = {"code": code, "name": name, "env": self.shell_env(), "cwd": self._cwd()}
        self.python.stdin.write(json.dumps(msg) + "\n")
        self.python.stdin.flush()
        reply = self.replies.readline()
        assert reply, f"{name}: the Python session died:\n{self.python_log.read_text()[-4000:]}"
        result: dict[str, Any] = json.loads(reply)
        assert result["ok"], f"{name} failed:\n{result['error']}\n{self.python_log.read_text()[-4000:]}"

    def _cwd(self) -> str:
        return (self.state / "cwd").read_text().strip()

    def close(self) -> None:
        if self.python is not None:
            assert self.python.stdin is not None
            self.python.stdin.close()
            self.python.wait(timeout=30)


def fresh_copy(destination: Path) -> Path:
    """The repository as a clone has it: tracked and new files, not what .gitignore ignores."""
    target = destination / "repo"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:  # not a git checkout (an sdist): copy without the build leftovers
        shutil.copytree(REPO, target, ignore=shutil.ignore_patterns(".venv*", "__pycache__", ".*_cache"))
    else:
        for name in filter(None, listed.stdout.split("\0")):
            src = REPO / name
            if src.is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / name)
    # `make demo` made .venv; here it is the environment running this test.
    (target / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return target


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    workdir = fresh_copy(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SINGLETABLE_", "PYTEST_"))}
    bin_dir = str(Path(sys.executable).parent)
    env = keep | {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        # The code under test wins over whatever the environment has installed.
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
        "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
        "COLUMNS": "200",
        "TERM": "dumb",
    }
    with local_engine_process() as endpoint:
        port = endpoint.rsplit(":", 1)[1]
        s = Session(workdir, env, port)
        try:
            yield s
        finally:
            s.close()


def normalise(lines: list[str]) -> list[str]:
    """Lines as compared: trailing blanks dropped, progress bars and timings masked."""
    out = []
    for line in lines:
        line = re.sub(r"━+", "<bar>", line.rstrip())
        line = re.sub(r"\d+:\d\d:\d\d", "<time>", line)
        out.append(line)
    return out


def is_engine_start(line: str) -> bool:
    return bool(re.match(r"^\s*singletable local\b.*&\s*(#.*)?$", line))


def test_every_readme_block_runs_as_written(session: Session) -> None:
    ran: list[str] = []
    differ: list[str] = []
    started = time.monotonic()
    for block in blocks(README.read_text()):
        where = f"README.md:{block.line} ({block.lang or 'no language'})"
        if block.skip or block.lang not in ("python", "bash", "console"):
            continue
        code = session.localise(block.code)
        if block.lang == "python":
            session.run_python(code, where)
        elif block.lang == "bash":
            code = "\n".join("" if is_engine_start(line) else line for line in code.splitlines())
            done = session.shell(code)
            assert done.returncode == 0, f"{where} exited {done.returncode}:\n{done.stdout[-4000:]}"
        else:
            for cmd in console_commands(code):
                assert not is_engine_start(cmd.text), f"{where}: start the engine in a bash block"
                done = session.shell(cmd.text)
                assert done.returncode == cmd.exit_code, (
                    f"{where}: `{cmd.text}` exited {done.returncode}, the README says {cmd.exit_code}:\n"
                    f"{done.stdout[-4000:]}"
                )
                if cmd.output:
                    got = normalise(done.stdout.splitlines())
                    want = normalise(cmd.output)
                    if got != want:  # noted, and the run goes on: one test run shows every difference
                        differ.append(f"{where}: `{cmd.text}` printed\n" + "\n".join(got))
        ran.append(f"{where}: {time.monotonic() - started:.1f} s")
        started = time.monotonic()
    print("\n".join(ran))
    assert not differ, "the README shows other output:\n\n" + "\n\n".join(differ)
    assert len(ran) >= 8, ran

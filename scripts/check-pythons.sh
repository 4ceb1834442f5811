#!/usr/bin/env bash
# Install the package (its C codec built from source) into a fresh venv for each supported CPython found on
# this machine (3.11 to 3.13) and check: import, the accelerated codec's round trip, the CLI's --version.
# Versions not installed are reported and skipped. Usage: scripts/check-pythons.sh [python3.12 ...]
set -euo pipefail
cd "$(dirname "$0")/.."
pythons=("$@")
[ ${#pythons[@]} -gt 0 ] || pythons=(python3.11 python3.12 python3.13)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
# python3.12 on PATH, else pyenv's newest 3.12.x (whose shim refuses to run when 3.12 is not selected).
resolve() {
  if "$1" -c '' >/dev/null 2>&1; then echo "$1"; return; fi
  command -v pyenv >/dev/null 2>&1 || return 0
  local v=${1#python} found
  found=$(pyenv versions --bare 2>/dev/null | grep -E "^${v//./\\.}(\\.|$)" | tail -1)
  [ -n "$found" ] && [ -x "$(pyenv root)/versions/$found/bin/python" ] && echo "$(pyenv root)/versions/$found/bin/python"
  return 0
}
for py in "${pythons[@]}"; do
  exe=$(resolve "$py")
  if [ -z "$exe" ]; then
    echo "skip $py: not installed"
    continue
  fi
  venv="$work/$py"
  "$exe" -m venv "$venv"
  if ! "$venv/bin/pip" install -q . >"$work/$py.log" 2>&1; then
    echo "FAIL $py: pip install"; tail -20 "$work/$py.log"; status=1; continue
  fi
  if (cd "$work" && "$venv/bin/python" - <<'PY' && "$venv/bin/singletable" --version); then
import sys
from decimal import Decimal
from singletable import codec
item = {"PK": "A", "n": Decimal("1.5"), "l": [1, "x", {"a": True}], "s": {"a", "b"}, "b": b"\x00"}
assert codec.deserialize(codec.serialize(item)) == item
assert codec.ACCELERATED, "the C codec was not built"
print(f"ok {sys.version.split()[0]}: import, C codec round trip", end=", ")
PY
    :
  else
    echo "FAIL $py"; status=1
  fi
done
exit $status

#!/usr/bin/env bash
# Install dynalite (an independent DynamoDB engine on LevelDB, npm) into a project-local folder.
#
#   scripts/install-dynalite.sh [DIR]      DIR defaults to <repo>/.dynalite (gitignored)
#
# singletable.local.dynalite.find_dynalite() looks there (or in $SINGLETABLE_DYNALITE_DIR).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-${SINGLETABLE_DYNALITE_DIR:-$repo_root/.dynalite}}"
version="${DYNALITE_VERSION:-4}"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install-dynalite: node and npm are needed (node >= 18)" >&2
    exit 1
fi

mkdir -p "$dest"
if [ ! -f "$dest/package.json" ]; then
    printf '{\n  "name": "singletable-dynalite",\n  "private": true\n}\n' >"$dest/package.json"
fi
cd "$dest"
npm install --no-audit --no-fund --loglevel=error "dynalite@${version}"
node -e 'console.log("dynalite " + require("dynalite/package.json").version + " installed in " + process.cwd())'

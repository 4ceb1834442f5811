#!/usr/bin/env bash
# Install Debian's chromium (/usr/bin/chromium) for the browser tests of `singletable ui`
# (tests/integration/test_ui_browser.py).
#
#   scripts/install-chromium.sh
#
# Playwright (PyPI) drives it through executable_path; Playwright's own browser download is not used.
# Never fails the build: where it cannot install (no root, no apt-get, no network), it says so and exits 0,
# and the browser tests skip with that reason.
set -uo pipefail

chromium="${CHROMIUM_BIN:-/usr/bin/chromium}"  # where Debian's package puts it (tests point it elsewhere)
if [ -x "$chromium" ]; then
    echo "install-chromium: $("$chromium" --version 2>/dev/null || echo chromium) already installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: apt-get not found; the browser tests will skip (install chromium yourself)"
    exit 0
fi
sudo=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo -n"
    else
        echo "install-chromium: not root and no password-less sudo; the browser tests will skip"
        exit 0
    fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get update -qq >/dev/null; then
    echo "install-chromium: apt-get update failed; the browser tests will skip"
    exit 0
fi
if ! $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    echo "install-chromium: apt-get install chromium failed; the browser tests will skip"
    exit 0
fi
echo "install-chromium: $("$chromium" --version 2>/dev/null || echo chromium) installed"

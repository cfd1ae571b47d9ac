#!/usr/bin/env bash
# Installs the tools the tests and the sandbox need, into the project
# (.venv/ for Python, node_modules under tools/ for npm). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

# need COMMAND DEBIAN_PACKAGE...: installs the packages when the command is
# missing and we may (root with apt-get), else fails with the install command.
need() {
    cmd=$1; shift
    command -v "$cmd" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> installing $* (for $cmd)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
        command -v "$cmd" >/dev/null 2>&1 && return 0
    fi
    echo "error: '$cmd' not found; install it with: apt-get update && apt-get install -y $*" >&2
    exit 1
}
command -v cargo >/dev/null 2>&1 || { echo "error: cargo not found; install Rust with rustup (https://rustup.rs)" >&2; exit 1; }
need python3 python3 python3-venv
need curl curl
need npm nodejs npm
# the system tests run the README's AWS CLI recipe (credential_process = tenant-credentials)
need aws awscli

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if ! cmp -s scripts/requirements.txt .venv/.installed-requirements 2>/dev/null; then
    .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
    cp scripts/requirements.txt .venv/.installed-requirements
fi
# iam-simulate: reference evaluator for iam-eval's differential test (AGPL, test-time only).
if ! cmp -s tools/iam-reference/package-lock.json tools/iam-reference/node_modules/.installed-lock 2>/dev/null; then
    npm ci --prefix tools/iam-reference --no-audit --no-fund --loglevel=error
    cp tools/iam-reference/package-lock.json tools/iam-reference/node_modules/.installed-lock
fi

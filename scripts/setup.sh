#!/usr/bin/env bash
# Installs the tools the tests and the sandbox need, into the project
# (.venv/ for Python, node_modules under tools/ for npm). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
    command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' not found; install it with: $2" >&2; exit 1; }
}
need cargo "rustup (https://rustup.rs)"
need python3 "apt-get update && apt-get install -y python3 python3-venv"
need npm "apt-get update && apt-get install -y nodejs npm"

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

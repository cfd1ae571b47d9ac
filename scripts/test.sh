#!/usr/bin/env bash
# Runs every test of the project, offline, on loopback only.
# Installs what the tests need first (idempotent): a Python venv with the
# linters and local AWS stand-ins, and the npm reference tools. Nothing here
# talks to AWS.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

export PATH="$PWD/.venv/bin:$PATH"

echo "==> cfn-lint template.yaml"
cfn-lint template.yaml

echo "==> cargo test --workspace"
cargo test --workspace --all-targets --locked

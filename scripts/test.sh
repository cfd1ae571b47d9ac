#!/usr/bin/env bash
# Runs every test of the project, offline, on loopback only.
# Installs what the tests need first (idempotent): a Python venv with the
# linters and local AWS stand-ins, and the npm reference tools. Nothing here
# talks to AWS.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

export PATH="$PWD/.venv/bin:$PATH"

for tool in fmt clippy; do
    if ! cargo "$tool" --version >/dev/null 2>&1; then
        echo "error: cargo $tool is missing; install it with: rustup component add ${tool/fmt/rustfmt}" >&2
        exit 1
    fi
done

echo "==> cargo fmt --all --check"
cargo fmt --all --check

echo "==> cfn-lint template.yaml"
cfn-lint template.yaml

echo "==> cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "==> cargo test --workspace"
cargo test --workspace --all-targets --locked

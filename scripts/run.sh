#!/usr/bin/env bash
# The whole system, locally and offline, in one command.
#
# Installs what it needs (./scripts/setup.sh: moto into .venv/), builds the
# sandbox and the very vendor-fn binary that deploys, then runs
# `sandbox up`: moto, the local STS with IAM enforced in front of DynamoDB
# and S3, vendor-fn under a local Lambda behind a local API Gateway, and two
# demo tenants. It prints the endpoint, the tenants' API keys and a curl line,
# writes target/sandbox/state.json, and serves until Ctrl-C, which stops
# everything it started. Arguments go to `sandbox up` (--port N, default
# 4566; --state-file PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

# jq is only for the README's "Try it" commands, so its absence is not fatal.
if ! command -v jq >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> installing jq (for the README's Try it commands)"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; } ||
            echo "note: could not install jq; the Try it commands need it" >&2
    else
        echo "note: install jq for the README's Try it commands (apt-get install jq)" >&2
    fi
fi

echo "==> building the sandbox and vendor-fn"
cargo build --locked -p sandbox -p vendor-fn --bins

echo "==> sandbox up"
exec ./target/debug/sandbox up "$@"

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

echo "==> building the sandbox and vendor-fn"
cargo build --locked -p sandbox -p vendor-fn --bins

echo "==> sandbox up"
exec ./target/debug/sandbox up "$@"

#!/usr/bin/env bash
# The project's main job, locally and offline.
#
# Today: build the Lambda exactly as it deploys (the vendor-fn binary), then
# run the isolation audit over policies/ and template.yaml, which proves that
# no tenant's credentials reach another tenant's data. When the sandbox with
# demo tenants lands (issue 6), this script starts it instead.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

echo "==> building vendor-fn (release)"
cargo build --release --locked -p vendor-fn -p tenantctl

echo "==> tenantctl audit (policies/ + template.yaml)"
exec ./target/release/tenantctl audit "$@"

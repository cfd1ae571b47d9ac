#!/usr/bin/env sh
# A tenant's `credential_process` for the AWS CLI and every AWS SDK:
#
#   # ~/.aws/config
#   [profile tenant]
#   credential_process = /path/to/credential-process.sh
#
# with TENANT_API_KEY (the secret API key value) and CREDENTIALS_ENDPOINT (the
# stack's CredentialsEndpoint output) in the environment. Optional:
# DURATION_SECONDS (900..the tier's maximum) and SCOPE (read-write | read-only).
#
# The vendor's 200 body is already credential_process output, so it is passed
# through unchanged. On any failure the vendor's error code goes to stderr
# (never the API key) and the exit status is non-zero, which makes the SDK
# report the failure instead of using stale credentials.
set -eu

: "${TENANT_API_KEY:?set TENANT_API_KEY to your API key value}"
: "${CREDENTIALS_ENDPOINT:?set CREDENTIALS_ENDPOINT to the stack output CredentialsEndpoint}"

body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT

request_body="{"
[ -n "${DURATION_SECONDS:-}" ] && request_body="$request_body\"durationSeconds\": $DURATION_SECONDS"
if [ -n "${SCOPE:-}" ]; then
    [ "$request_body" != "{" ] && request_body="$request_body, "
    request_body="$request_body\"scope\": \"$SCOPE\""
fi
request_body="$request_body}"

# The key goes in a header read from stdin, so it never appears in `ps`.
status=$(printf 'x-api-key: %s\n' "$TENANT_API_KEY" | curl --silent --show-error \
    --header @- --header 'content-type: application/json' \
    --data "$request_body" --output "$body_file" --write-out '%{http_code}' \
    "$CREDENTIALS_ENDPOINT") || { echo "credential-process: cannot reach $CREDENTIALS_ENDPOINT" >&2; exit 2; }

if [ "$status" = 200 ]; then
    cat "$body_file"
else
    echo "credential-process: the vendor answered $status: $(cat "$body_file")" >&2
    exit 1
fi

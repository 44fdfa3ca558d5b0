#!/usr/bin/env bash
# Schemathesis against the OpenAPI document `guiche serve` publishes: every operation with
# generated requests (a bounded number each), checking that no answer is a 5xx and that every
# answer conforms to the document (status, content type, schema).
#
# Starts `guiche sandbox` (the simulators, and the ledger the server uses), creates an admin
# token, starts `guiche serve` on a free port and runs `st run`. Needs `st` (pip install
# schemathesis) and a built binary: GUICHE_BIN, or target/debug/guiche.
# Usage: app/tests/api/schemathesis.sh [MAX_EXAMPLES]   (default 50)
set -euo pipefail
cd "$(dirname "$0")/../../.."

bin=${GUICHE_BIN:-${CARGO_TARGET_DIR:-target}/debug/guiche}
exemplos=${1:-50}
tmp=$(mktemp -d)
pids=()
limpar() {
    for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap limpar EXIT

# The sandbox prints its environment (export lines) and waits for Ctrl-C.
"$bin" sandbox >"$tmp/sandbox.out" 2>"$tmp/sandbox.err" &
pids+=($!)
for _ in $(seq 100); do grep -q '^# e experimente' "$tmp/sandbox.out" && break; sleep 0.1; done
grep -q '^# e experimente' "$tmp/sandbox.out" || { cat "$tmp/sandbox.err" >&2; exit 1; }
# shellcheck disable=SC1090
source <(grep '^export ' "$tmp/sandbox.out")

# Two admin tokens: the run's own, and one for the revoke operation alone. Generated ids (0, 1,
# 2…) would otherwise revoke the run's own token mid-run, and every later answer would be a
# conforming but useless 401.
token=$("$bin" token create --nome schemathesis --papel admin | tail -n 1)
token_revoga=$("$bin" token create --nome schemathesis-revoga --papel admin | tail -n 1)
revogar='DELETE /api/v1/tokens/{id}'

# `POST /conam/pacotes?esperar=true` follows a pacote until CONAM evaluates it; the sandbox's
# CONAM never does by itself, so the wait would run to GUICHE_CONAM_ESPERA_MAX (600 s) and past
# schemathesis's own 10 s read timeout. A short wait keeps the operation tested, answered.
export GUICHE_CONAM_ESPERA_MAX=2 GUICHE_CONAM_INTERVALO=0.5
"$bin" serve --addr 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/serve.out" ] && break; sleep 0.1; done
url=$(head -n 1 "$tmp/serve.out" | grep -o 'http://[^ ]*') || { cat "$tmp/serve.err" >&2; exit 1; }
echo "guiche serve em $url; $exemplos exemplos por operação"

set +e
# The sandbox has no procurador's certificate: that endpoint answers 503 by design there.
st run "$url/api/v1/openapi.json" \
    --exclude-path /api/v1/serpro/procurador \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "$exemplos" \
    --exclude-name "$revogar" \
    --header "Authorization: Bearer $token"
codigo=$?
# The run's own token must have survived: otherwise the run above tested only 401s.
vivo=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url/api/v1/tokens")
if [ "$vivo" != 200 ]; then
    echo "o token da execução foi revogado durante ela (GET /api/v1/tokens: $vivo)" >&2
    codigo=1
fi
# The revoke operation last, with its own token: it may revoke any token, its own included
# (then 401s, documented); nothing runs after it.
st run "$url/api/v1/openapi.json" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "$exemplos" \
    --include-name "$revogar" \
    --header "Authorization: Bearer $token_revoga"
[ $? -eq 0 ] || codigo=1
set -e
if grep -E 'status=5[0-9]{2}' "$tmp/serve.err" >&2; then
    echo "o servidor registrou as respostas 5xx acima" >&2
    codigo=1
fi
exit $codigo

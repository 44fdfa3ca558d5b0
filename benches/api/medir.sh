#!/usr/bin/env bash
# The API under wrk (64 connections) beside the CLI doing the same work (issue 11 §7).
#
#   cargo build --release -p guiche
#   benches/api/medir.sh                  # nfd and ocorrencias (below)
#   benches/api/medir.sh saude tokens     # the core's endpoints: checks the harness itself
#
# What it does, on a fresh ledger in a temporary folder (GUICHE_HOJE=22/11/2026):
#  1. fills the ledger as an office would have it: EMPRESAS companies (default 300, A3), a DAS
#     and a DARF per month 01–10/2026 each (6,000 guides), ~93 % paid (on time, late, another
#     value), through the CLI (`ecac company add`, `ecac guides import`, `ecac import`), from
#     the CSVs `gerar.py` writes;
#  2. creates a `leitura` token and starts `guiche serve` (release, log GUICHE_LOG, default info,
#     to a file);
#  3. per target: one request by curl, which must be a 2xx (a wrong path or body stops here,
#     not after a run of 404s), then `wrk -t THREADS -c 64 -d DURACAO --timeout TIMEOUT
#     --latency` with pedido.lua; prints requests/s, p50, p99, wrk's count of non-2xx answers
#     and of socket errors (timeouts);
#  4. the CLI's figure for the same work: N_CLI invocations (default 200) of the same command
#     (`guiche nfd validate FILE --prefeitura 3150`, `guiche ecac occurrences --json`), one
#     after another (→ the mean time of one, to compare with the API's p50) and THREADS at a
#     time (→ invocations/s, to compare with the API's requests/s). An invocation pays a process
#     start and opening the ledger: that is the cost the server removes, and what is compared.
#
# wrk, the server and the CLI share the machine's cores: run nothing else meanwhile. Settings
# (environment): GUICHE_BIN (default $CARGO_TARGET_DIR or target, /release/guiche), EMPRESAS,
# DURACAO (seconds, default 10), THREADS (default 2), N_CLI, TIMEOUT (wrk's, in seconds,
# default 30: wrk's own 2 s drops the slow answers and cuts p99 at 2 s); the endpoints' paths
# and bodies:
# NFD_CAMINHO (default /api/v1/nfd/validacao?prefeitura=3150), NFD_CORPO (default
# exemplos/nota.xml: the manual's nota with a valid customer), NFD_TIPO (application/xml),
# OCORRENCIAS_CAMINHO (/api/v1/ecac/ocorrencias). Needs wrk and curl (Debian).
set -euo pipefail
RAIZ=$(cd "$(dirname "$0")/../.." && pwd)
AQUI="$RAIZ/benches/api"
BIN=${GUICHE_BIN:-${CARGO_TARGET_DIR:-$RAIZ/target}/release/guiche}
EMPRESAS=${EMPRESAS:-300}
DURACAO=${DURACAO:-10}
THREADS=${THREADS:-2}
CONEXOES=64
TIMEOUT=${TIMEOUT:-30}
N_CLI=${N_CLI:-200}
NFD_CAMINHO=${NFD_CAMINHO:-/api/v1/nfd/validacao?prefeitura=3150}
NFD_CORPO=${NFD_CORPO:-$RAIZ/exemplos/nota.xml}
NFD_TIPO=${NFD_TIPO:-application/xml}
OCORRENCIAS_CAMINHO=${OCORRENCIAS_CAMINHO:-/api/v1/ecac/ocorrencias}
ALVOS=("$@")
[ ${#ALVOS[@]} -gt 0 ] || ALVOS=(nfd ocorrencias)
for f in "$BIN" "$(command -v wrk || true)" "$(command -v curl || true)"; do
    [ -n "$f" ] && [ -x "$f" ] || { echo "falta: $BIN, wrk ou curl (cargo build --release -p guiche; apt-get install wrk curl)" >&2; exit 2; }
done

D=$(mktemp -d)
SERVE_PID=
limpar() {
    [ -z "$SERVE_PID" ] || { kill -TERM "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null || true; }
    rm -rf "$D"
}
trap limpar EXIT
export GUICHE_DB="$D/livro.db" GUICHE_HOJE=22/11/2026

# 1. The ledger.
python3 "$AQUI/gerar.py" "$EMPRESAS" "$D/ecac"
while read -r cnpj; do
    "$BIN" ecac company add "$cnpj" --acesso a3 --ecac-desde 2026-01-01 > /dev/null
done < "$D/ecac/empresas.txt"
"$BIN" ecac guides import "$D/ecac/guias.csv" > /dev/null
"$BIN" ecac import "$D/ecac/pagamentos.csv" > /dev/null
echo "livro: $(du -h "$GUICHE_DB" | cut -f1); $(nproc) núcleos; wrk -t$THREADS -c$CONEXOES -d${DURACAO}s"

# 2. The server.
TOKEN=$("$BIN" token create --nome bench --papel leitura | tail -n 1)
TOKEN_ADMIN=$("$BIN" token create --nome bench-admin --papel admin | tail -n 1)
"$BIN" serve --addr 127.0.0.1:0 > "$D/serve.out" 2> "$D/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do [ -s "$D/serve.out" ] && break; sleep 0.1; done
URL=$(head -n 1 "$D/serve.out" | grep -o 'http://[^ ]*') || { cat "$D/serve.log" >&2; exit 1; }

# 3. The API under wrk: NOME METODO CAMINHO [CORPO TIPO] (token: TOKEN_ALVO, or leitura's).
api() {
    local nome=$1 metodo=$2 caminho=$3 corpo=${4:-} tipo=${5:-} token=${TOKEN_ALVO:-$TOKEN}
    local args=(-s -o "$D/um.out" -w '%{http_code}' -X "$metodo" -H "Authorization: Bearer $token")
    [ -z "$corpo" ] || args+=(--data-binary "@$corpo" -H "Content-Type: $tipo")
    local codigo
    codigo=$(curl "${args[@]}" "$URL$caminho")
    if [[ $codigo != 2* ]]; then
        echo "$nome: $metodo $caminho respondeu $codigo: $(head -c 300 "$D/um.out")" >&2
        return 1
    fi
    METODO=$metodo CORPO_ARQUIVO=$corpo CORPO_TIPO=$tipo GUICHE_TOKEN=$token \
        wrk -t"$THREADS" -c"$CONEXOES" -d"${DURACAO}s" --timeout "${TIMEOUT}s" --latency -s "$AQUI/pedido.lua" \
        "$URL$caminho" > "$D/wrk-$nome.txt"
    awk -v nome="$nome" -v rota="$metodo $caminho" '
        /^Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = $2 }
        $1 == "99%" { p99 = $2 }
        /Non-2xx or 3xx responses:/ { ruins = $NF }
        /Socket errors:/ { erros = $4 + $6 + $8 + $10 }
        END { printf "%-12s API  %s: %.0f pedidos/s, p50 %s, p99 %s, %d respostas não-2xx, %d erros de socket (timeouts incluídos)\n",
                     nome, rota, rps, p50, p99, ruins + 0, erros + 0 }' "$D/wrk-$nome.txt"
}

# 4. The CLI: NOME COMMAND... run N_CLI times, in a row and THREADS at a time.
cli() {
    local nome=$1; shift
    "$@" > /dev/null 2>&1 || { echo "$nome: $* falhou" >&2; return 1; }
    local inicio fim
    inicio=$(date +%s.%N)
    for _ in $(seq "$N_CLI"); do "$@" > /dev/null; done
    fim=$(date +%s.%N)
    local seq_s par_s
    seq_s=$(echo "$fim - $inicio" | bc)
    inicio=$(date +%s.%N)
    seq "$N_CLI" | xargs -P "$THREADS" -I{} "$@" > /dev/null
    fim=$(date +%s.%N)
    par_s=$(echo "$fim - $inicio" | bc)
    awk -v nome="$nome" -v cmd="$*" -v n="$N_CLI" -v s="$seq_s" -v p="$par_s" -v t="$THREADS" '
        BEGIN { printf "%-12s CLI  %s: %.1f ms por invocação (em sequência), %.0f invocações/s (%d por vez)\n",
                       nome, cmd, s * 1000 / n, n / p, t }'
}

falhou=0
for alvo in "${ALVOS[@]}"; do
    case $alvo in
        nfd)
            api nfd POST "$NFD_CAMINHO" "$NFD_CORPO" "$NFD_TIPO" || falhou=1
            cli nfd "$BIN" nfd validate "$NFD_CORPO" --prefeitura 3150 || falhou=1 ;;
        ocorrencias)
            api ocorrencias GET "$OCORRENCIAS_CAMINHO" || falhou=1
            cli ocorrencias "$BIN" ecac occurrences --json || falhou=1 ;;
        saude)
            api saude GET /api/v1/saude || falhou=1
            cli saude "$BIN" --version || falhou=1 ;;
        tokens)
            TOKEN_ALVO=$TOKEN_ADMIN api tokens GET /api/v1/tokens || falhou=1
            cli tokens "$BIN" token list --json || falhou=1 ;;
        *) echo "alvo desconhecido: $alvo (nfd, ocorrencias, saude, tokens)" >&2; exit 2 ;;
    esac
done
exit $falhou

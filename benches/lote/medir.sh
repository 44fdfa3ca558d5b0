#!/usr/bin/env bash
# One `guiche nfd batch` of the notas `gerar.py` wrote, against a fresh NFD simulator (the
# release example) on 127.0.0.1:8089, with a fresh ledger; prints wall seconds, notas/s, the
# batch's CPU time and peak memory, and how many notas the simulator issued.
#
#   cargo build --release -p guiche -p guiche-nfd --features guiche-nfd/simulator --example simulador_nfd
#   python3 benches/lote/gerar.py 10000 /tmp/lote10k
#   benches/lote/medir.sh /tmp/lote10k target/release/guiche [other-guiche ...]   # alternated x3
#
# Each binary is run three times, alternated with the others, so that their ratios come from
# one run on this noisy machine. Needs curl and GNU time (Debian `time`).
#
# MOTORES lists the ledger engines, alternated too (default: sqlite). For `postgres`, PG_ADMIN is
# a PostgreSQL URL whose user may create databases (e.g. the one tests/postgres/servidor.sh
# prints) and each run's ledger is a new database there (needs psql):
#
#   MOTORES="sqlite postgres" PG_ADMIN=postgres://postgres@127.0.0.1:5433/postgres \
#       benches/lote/medir.sh /tmp/lote10k target/release/guiche
set -euo pipefail
LOTE=$1; shift
RAIZ=$(cd "$(dirname "$0")/../.." && pwd)
SIM="${CARGO_TARGET_DIR:-$RAIZ/target}/release/examples/simulador_nfd"
P=$(cat "$LOTE/prestadores")
N=$(grep -c . "$LOTE/roteiro.tsv")
for rodada in 1 2 3; do
  for BIN in "$@"; do
  for MOTOR in ${MOTORES:-sqlite}; do
    D=$(mktemp -d)
    GUICHE_SIM_PRESTADORES=$P "$SIM" 8089 > "$D/sim.log" 2>&1 &
    PID=$!
    sleep 0.5
    DB="$D/livro.db"
    if [ "$MOTOR" = postgres ]; then
      banco="lote_$$_${rodada}_$RANDOM"
      psql -q "$PG_ADMIN" -c "CREATE DATABASE $banco" >/dev/null
      DB="${PG_ADMIN%/*}/$banco"
    fi
    inicio=$(date +%s.%N)
    GUICHE_HOJE=22/11/2026 GUICHE_DB="$DB" \
      GUICHE_NFD_URL=http://127.0.0.1:8089/wsnfd/ServicoNfd.asmx GUICHE_NFD_SENHA=fiscalb \
      /usr/bin/time -o "$D/time" -f "%U %S %M" "$BIN" nfd batch "$LOTE/roteiro.tsv" --concurrency 8 > /dev/null
    fim=$(date +%s.%N)
    emitidas=$(curl -s http://127.0.0.1:8089/_simulador/notas | wc -l)
    kill "$PID"; wait "$PID" 2>/dev/null || true
    read -r usr sys rss < "$D/time"
    awk -v b="$BIN $MOTOR" -v r="$rodada" -v s="$(echo "$fim - $inicio" | bc)" -v n="$N" -v e="$emitidas" \
        -v u="$usr" -v y="$sys" -v m="$rss" \
        'BEGIN { printf "%s rodada %s: %.2f s, %.0f notas/s, cpu %.2f s, pico %.1f MiB, %d emitidas\n", b, r, s, n / s, u + y, m / 1024, e }'
    rm -rf "$D"
  done
  done
done

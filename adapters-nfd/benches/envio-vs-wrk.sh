#!/usr/bin/env bash
# The NFD client (`envio` bench) and `wrk -t8 -c8` on the same endpoint, side by side.
#
#   adapters-nfd/benches/envio-vs-wrk.sh [PARES] [NOTAS] [ARGUMENTOS DO CLIENTE…]
#   adapters-nfd/benches/envio-vs-wrk.sh 8 40000 --thread-por-fluxo     # how `guiche nfd batch` runs
#   adapters-nfd/benches/envio-vs-wrk.sh 8 40000 8                      # one client, 8 runtime threads (before)
#
# Run from the workspace root after
#   cargo build --release -p guiche-nfd --features simulator --example simulador_nfd --bench envio
# (and `apt-get install wrk`). Each pair is one client run (NOTAS notas, 8 in flight) and one
# `wrk -t8 -c8 -d3s` run, back to back and in alternating order (client first, then wrk first),
# each against a fresh simulator on 127.0.0.1:${PORTA:-8089}, everything under `nice`. Prints
# every pair, then the medians and the median of the pairs' ratios (client / wrk): on a shared
# machine consecutive runs differ by tens of percent, so only a ratio of neighbours means much.
set -euo pipefail

PARES=${1:-8}
NOTAS=${2:-40000}
shift $(($# < 2 ? $# : 2))
ALVO=${CARGO_TARGET_DIR:-target}
BENCH=$(ls -t "$ALVO"/release/deps/envio-* | grep -v '\.d$' | head -1)
SIM=$ALVO/release/examples/simulador_nfd
PORTA=${PORTA:-8089}
URL=http://127.0.0.1:$PORTA/wsnfd/ServicoNfd.asmx
PRESTADORES=$("$BENCH" "$NOTAS" 8 --prestadores)

# Runs one load ("cliente" or "wrk") against a fresh simulator; prints its rate (per second).
carga() {
    GUICHE_SIM_PRESTADORES=$PRESTADORES nice "$SIM" "$PORTA" >/dev/null &
    local sim=$!
    sleep 0.3
    local saida
    if [ "$1" = cliente ]; then
        saida=$(GUICHE_BENCH_URL=$URL nice "$BENCH" "$NOTAS" 8 "${@:2}")
        echo "$saida" >&2
        echo "$saida" | grep -oE '[0-9]+ notas/s' | grep -oE '[0-9]+'
    else
        saida=$(nice wrk -t8 -c8 -d3s -s adapters-nfd/benches/wrk-envio.lua "$URL" -- "$PRESTADORES")
        echo "wrk: $(echo "$saida" | grep -E 'Requests/sec') $(echo "$saida" | tail -1)" >&2
        echo "$saida" | grep -oE 'Requests/sec: *[0-9.]+' | grep -oE '[0-9.]+'
    fi
    kill "$sim"
    wait "$sim" 2>/dev/null || true
}

mediana() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

clientes=() wrks=() razoes=()
for i in $(seq 1 "$PARES"); do
    if [ $((i % 2)) = 1 ]; then
        c=$(carga cliente "$@"); w=$(carga wrk)
    else
        w=$(carga wrk); c=$(carga cliente "$@")
    fi
    r=$(awk -v c="$c" -v w="$w" 'BEGIN {printf "%.3f", c / w}')
    echo "par $i: cliente $c notas/s, wrk $w req/s, razão $r"
    clientes+=("$c") wrks+=("$w") razoes+=("$r")
done
echo "medianas de $PARES pares: cliente $(printf '%s\n' "${clientes[@]}" | mediana) notas/s," \
    "wrk $(printf '%s\n' "${wrks[@]}" | mediana) req/s, razão $(printf '%s\n' "${razoes[@]}" | mediana)"

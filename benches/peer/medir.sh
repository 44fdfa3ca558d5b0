#!/usr/bin/env bash
# Side by side, in one run: `guiche conam validate` (release binary) and the Python peer on the
# same generated pacotes; time and peak memory from /usr/bin/time -v; the median of R runs.
#
#   benches/peer/medir.sh                      # 100k and 1M movements, 3 runs each
#   TAMANHOS="100000" R=5 benches/peer/medir.sh
#   GUICHE_ANTES=/path/to/old/guiche benches/peer/medir.sh   # a third column: another binary
#
# Needs: cargo build --release -p guiche (or GUICHE=/path/to/guiche), python3, /usr/bin/time
# (Debian: apt-get install time). Files go to $PASTA (default /tmp/guiche-medir), generated once.
# The runs alternate (guichê, [antes], Python) so that a noisy neighbour hits all of them alike.
set -euo pipefail

RAIZ=$(cd "$(dirname "$0")/../.." && pwd)
GUICHE=${GUICHE:-${CARGO_TARGET_DIR:-$RAIZ/target}/release/guiche}
GUICHE_ANTES=${GUICHE_ANTES:-}
PASTA=${PASTA:-/tmp/guiche-medir}
TAMANHOS=${TAMANHOS:-"100000 1000000"}
R=${R:-3}
PY=${PYTHON:-python3}

[ -x "$GUICHE" ] || { echo "medir.sh: $GUICHE não existe (cargo build --release -p guiche)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "medir.sh: falta /usr/bin/time (apt-get install time)" >&2; exit 2; }
mkdir -p "$PASTA"

# One run: prints "seconds MiB" and keeps the program's stdout in $2.
medir() {
  local saida=$1; shift
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" >"$saida" 2>"$log" || true
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
                                         for (i = 1; i <= n; i++) s = s * 60 + t[i]; seg = s }
              /Maximum resident set size/ { mib = $2 / 1024 }
              END { printf "%.3f %.1f\n", seg, mib }' "$log"
  rm -f "$log"
}

mediana() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# The verdict as a line: valid?, then each violation's field and rule, from either --json.
veredito() {
  "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["valido"], len(d["violacoes"]), sorted((v["campo"], v["regra"]) for v in d["violacoes"])[:5])' "$1"
}

printf '%-10s %8s | %-18s' movimentos MB "guichê s / MiB"
[ -n "$GUICHE_ANTES" ] && printf ' | %-18s' "antes s / MiB"
printf ' | %-18s | %s\n' "Python s / MiB" "Python ÷ guichê (tempo, memória)"
for n in $TAMANHOS; do
  f=$PASTA/pacote-$n.json
  [ -s "$f" ] || "$PY" "$RAIZ/benches/peer/gerar_pacote.py" "$n" >"$f"
  mb=$(awk -v b="$(stat -L -c %s "$f")" 'BEGIN { printf "%.1f", b / 1e6 }')
  : >"$PASTA/g.t"; : >"$PASTA/g.m"; : >"$PASTA/a.t"; : >"$PASTA/a.m"; : >"$PASTA/p.t"; : >"$PASTA/p.m"
  for _ in $(seq "$R"); do
    read -r t m < <(medir "$PASTA/g.out" nice "$GUICHE" conam validate "$f" --json)
    echo "$t" >>"$PASTA/g.t"; echo "$m" >>"$PASTA/g.m"
    if [ -n "$GUICHE_ANTES" ]; then
      read -r t m < <(medir "$PASTA/a.out" nice "$GUICHE_ANTES" conam validate "$f" --json)
      echo "$t" >>"$PASTA/a.t"; echo "$m" >>"$PASTA/a.m"
    fi
    read -r t m < <(medir "$PASTA/p.out" nice "$PY" "$RAIZ/benches/peer/conam.py" "$f" --json)
    echo "$t" >>"$PASTA/p.t"; echo "$m" >>"$PASTA/p.m"
  done
  gt=$(mediana <"$PASTA/g.t"); gm=$(mediana <"$PASTA/g.m")
  pt=$(mediana <"$PASTA/p.t"); pm=$(mediana <"$PASTA/p.m")
  printf '%-10s %8s | %7s s %7s MiB' "$n" "$mb" "$gt" "$gm"
  if [ -n "$GUICHE_ANTES" ]; then
    printf ' | %7s s %7s MiB' "$(mediana <"$PASTA/a.t")" "$(mediana <"$PASTA/a.m")"
  fi
  printf ' | %7s s %7s MiB | %s× %s×\n' "$pt" "$pm" \
    "$(awk -v a="$pt" -v b="$gt" 'BEGIN { printf "%.1f", a / b }')" \
    "$(awk -v a="$pm" -v b="$gm" 'BEGIN { printf "%.2f", a / b }')"
  if [ "$(veredito "$PASTA/g.out")" != "$(veredito "$PASTA/p.out")" ]; then
    echo "medir.sh: os vereditos divergem em $f:" >&2
    veredito "$PASTA/g.out" >&2; veredito "$PASTA/p.out" >&2
    exit 1
  fi
done
echo "(medianas de $R execuções; o mesmo veredito nos dois; tempos de parede, pico de memória residente)"

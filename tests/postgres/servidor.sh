#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `servidor.sh iniciar PASTA` creates a cluster in
# PASTA (initdb as the postgres user when run as root), starts it on loopback on a free port and
# prints its administrative URL; `servidor.sh parar PASTA` stops it (fast) and removes PASTA.
# fsync is off: the tests kill processes, not machines. .ci/run uses it and exports the URL as
# GUICHE_TESTE_POSTGRES; without that variable each test process starts its own the same way
# (guiche_postgres::teste).
set -euo pipefail

acao=${1:?uso: servidor.sh iniciar|parar PASTA}
pasta=${2:?uso: servidor.sh iniciar|parar PASTA}

bin=$(dirname "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
como() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$acao" in
iniciar)
    mkdir -p "$pasta"
    [ "$(id -u)" = 0 ] && chown postgres: "$pasta"
    como "$bin/initdb" -A trust -U postgres -E UTF8 --no-sync -D "$pasta/dados" >/dev/null
    porta=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    como "$bin/pg_ctl" -D "$pasta/dados" -l "$pasta/dados/servidor.log" -w -t 60 \
        -o "-p $porta -k $pasta -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=128MB" \
        start >/dev/null
    echo "postgres://postgres@127.0.0.1:$porta/postgres"
    ;;
parar)
    if [ -f "$pasta/dados/postmaster.pid" ]; then
        como "$bin/pg_ctl" -D "$pasta/dados" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$pasta"
    ;;
*)
    echo "ação desconhecida: $acao (iniciar|parar)" >&2
    exit 2
    ;;
esac

# Starts a throwaway PostgreSQL 15 cluster on 127.0.0.1 for tests; source this file, then call
# pg_start DIR (its parent must be reachable by the postgres user). Exports ASTROPIXEL_TEST_PG_URL; pg_stop tears it down.
pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pg_start() {
  local dir=$1 bin
  bin=$(pg_bin)
  PG_DIR=$dir
  PG_PORT=$(free_port)
  mkdir -p "$dir"
  local as=()
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$dir"
    as=(runuser -u postgres --)
  fi
  if ! "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    return 1
  fi
  if ! "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
    -o "-h 127.0.0.1 -p $PG_PORT -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c max_connections=200" >/dev/null; then
    cat "$dir/server.log" >&2
    return 1
  fi
  export ASTROPIXEL_TEST_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  export PG_DIR PG_PORT
}

pg_stop() {
  [[ -n ${PG_DIR:-} && -d $PG_DIR/data ]] || return 0
  local as=()
  [[ $(id -u) -eq 0 ]] && as=(runuser -u postgres --)
  "${as[@]}" "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}

# Starts a throwaway redis-server on 127.0.0.1 for tests; source this file, then call redis_start DIR.
# Exports ASTROPIXEL_TEST_REDIS_URL; redis_stop tears it down. No persistence, no other interface.
redis_start() {
  local dir=$1
  REDIS_DIR=$dir
  REDIS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" --save "" --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
  for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null || { cat "$dir/redis.log" >&2; return 1; }
  export ASTROPIXEL_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  export REDIS_DIR REDIS_PORT
}

redis_stop() {
  [[ -n ${REDIS_DIR:-} && -f $REDIS_DIR/redis.pid ]] || return 0
  kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
  rm -rf "$REDIS_DIR"
}

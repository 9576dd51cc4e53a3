#!/usr/bin/env bash
# Load benchmark (issue 3): `GET /v2/daily` over 30 stored days (samples off) next to
# `GET /health`, in the same run, on SQLite and on PostgreSQL, against a release build on
# loopback; each backend with the read cache on (the default) and off
# (`WEARBRIDGE_READ_CACHE_MB=0`, every read goes to the database). Results and how to read
# them: docs/BENCHMARKS.md.
#
# Usage: bench/load.sh [sqlite|postgres|all]     (default: all)
# Env:   BENCH_DURATION (seconds per measurement, default 15), BENCH_CONNECTIONS (default 32),
#        BENCH_POSTGRES_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BACKENDS="${1:-all}"
DURATION="${BENCH_DURATION:-15}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
PG_ADMIN_URL="${BENCH_POSTGRES_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}"
PORT=18080
BASE="http://127.0.0.1:${PORT}"

if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

cargo build --release -p wearbridge
cargo build --release -p wearbridge-server --example bench_seed
TARGET="${CARGO_TARGET_DIR:-target}"

WORK="$(mktemp -d)"
SERVER_PID=""
PG_DB=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  if [[ -n "$PG_DB" ]]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export WEARBRIDGE_ENCRYPTION_KEY
WEARBRIDGE_ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64)"

# Paces each connection with wrk's delay() hook: with C connections and a per-request
# pause of D ms, the offered rate is about C*1000/D requests/s while latency stays well
# below D. wrk measures latency from send to response, so the pause is not counted.
cat >"$WORK/paced.lua" <<'LUA'
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "0")
function delay() return pause end
LUA

# Prints "<req/s> <p50 ms> <p99 ms>" from `wrk --latency` output.
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
      return v
    }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    $1 == "Requests/sec:" { rps = $2 }
    $0 ~ /Non-2xx/ { bad = $NF }
    END {
      if (bad != "") { print "ERROR: non-2xx responses: " bad > "/dev/stderr"; exit 1 }
      printf "%.0f %.2f %.2f\n", rps, p50, p99
    }'
}

run_wrk() { # url [extra wrk args...]
  local url="$1"; shift
  wrk -t2 -c"${WRK_CONNECTIONS:-$CONNECTIONS}" -d"${DURATION}s" --latency "$@" "$url" | parse_wrk
}

bench_backend() {
  local backend="$1" url
  case "$backend" in
    sqlite) url="sqlite://${WORK}/bench.db" ;;
    postgres)
      PG_DB="wb_bench_$$"
      psql "$PG_ADMIN_URL" -qc "CREATE DATABASE ${PG_DB}" >/dev/null
      url="${PG_ADMIN_URL%/*}/${PG_DB}"
      ;;
  esac

  local creds dev_id api_key user_id
  creds="$("${TARGET}/release/examples/bench_seed" "$url")"
  dev_id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["dev_id"])' "$creds")"
  api_key="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$creds")"
  user_id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["user_id"])' "$creds")"

  measure "$backend" "$url" "$dev_id" "$api_key" "$user_id" cached 64
  measure "$backend" "$url" "$dev_id" "$api_key" "$user_id" uncached 0
}

# Starts the server on `url` with a read cache of `cache_mb` MiB (0 = off) and measures
# /health, /v2/daily at maximum rate, and /v2/daily paced to half that rate.
measure() {
  local backend="$1" url="$2" dev_id="$3" api_key="$4" user_id="$5" label="$6" cache_mb="$7"
  # Rate limit r2 counts every read in the database; one user hammered for seconds would
  # be refused after ~200 reads at Terra's 6,000 day units per hour. A limit no run can
  # reach keeps the count (its cost is part of what is measured) without 429s.
  WEARBRIDGE_RATE_LIMITS__DAY_UNITS_PER_HOUR=1000000000000 \
  WEARBRIDGE_READ_CACHE_MB="$cache_mb" RUST_LOG=warn "${TARGET}/release/wearbridge" serve \
    --bind "127.0.0.1:${PORT}" --database-url "$url" >"$WORK/server-${backend}-${label}.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "${BASE}/ready" >/dev/null 2>&1 && break
    sleep 0.1
  done

  local daily="${BASE}/v2/daily?user_id=${user_id}&start_date=2024-01-01&end_date=2024-01-30&to_webhook=false"
  local auth=(-H "dev-id: ${dev_id}" -H "x-api-key: ${api_key}")
  local days
  days="$(curl -fs "${auth[@]}" "$daily" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')"
  [[ "$days" == "30" ]] || { echo "expected 30 days, got ${days}" >&2; exit 1; }

  # Warm-up (connection pools, page cache, read cache), not reported.
  wrk -t2 -c"$CONNECTIONS" -d3s "${BASE}/health" >/dev/null
  wrk -t2 -c"$CONNECTIONS" -d3s "${auth[@]}" "$daily" >/dev/null

  local health data
  health="$(run_wrk "${BASE}/health")"
  data="$(run_wrk "$daily" "${auth[@]}")"
  # Half the maximum rate: each connection waits PAUSE ms between requests, so with C
  # connections the offered rate is about C * 1000 / (PAUSE + latency); C is chosen for
  # half the measured maximum, counting ~0.5 ms of latency (wrk's delay() has 1 ms steps,
  # so the connection count, not the pause, does the fine tuning).
  local data_rps half pause paced paced_conns
  data_rps="${data%% *}"
  half=$((data_rps / 2))
  pause=5
  paced_conns=$(( (half * 55 + 9999) / 10000 ))
  (( paced_conns < 2 )) && paced_conns=2
  paced="$(WRK_CONNECTIONS="$paced_conns" WRK_DELAY_MS="$pause" run_wrk "$daily" "${auth[@]}" -s "$WORK/paced.lua")"

  local response_bytes
  response_bytes="$(curl -fs "${auth[@]}" "$daily" | wc -c)"
  printf '| %s | %s | /health (max) | %s | %s | %s |\n' "$backend" "$label" $health
  printf '| %s | %s | /v2/daily 30 d (max) | %s | %s | %s |\n' "$backend" "$label" $data
  printf '| %s | %s | /v2/daily 30 d (paced for ~%s req/s: %s conns, pause %s ms) | %s | %s | %s |\n' "$backend" "$label" "$half" "$paced_conns" "$pause" $paced
  echo "  ($backend, read cache $label: /v2/daily response ${response_bytes} bytes; data/health ratio $(python3 -c "print(round(${data_rps}/${health%% *}, 2))"))"

  kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

echo "wrk -t2 -c${CONNECTIONS} -d${DURATION}s; $(nproc) CPUs; server and wrk share the machine"
echo "| backend | read cache | request | req/s | p50 ms | p99 ms |"
echo "|---|---|---|---|---|---|"
case "$BACKENDS" in
  sqlite|postgres) bench_backend "$BACKENDS" ;;
  all) bench_backend sqlite; bench_backend postgres ;;
  *) echo "usage: $0 [sqlite|postgres|all]" >&2; exit 2 ;;
esac

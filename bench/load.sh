#!/usr/bin/env bash
# Load test: main_line's menu through `ivr serve` (memory store, Redis store)
# against a baseline axum server answering one constant TwiML document; then
# memory per live call. Loopback only. See bench/README.md.
#
#   bench/load.sh                     # 10 s runs, 16 connections, 1 round
#   DURATION=20s CONNS=32 ROUNDS=3 bench/load.sh
#
# Environment:
#   DURATION   length of each measured run (wrk syntax, default 10s)
#   CONNS      connections = wrk threads (one call per connection; default 16)
#   ROUNDS     peak runs per target, interleaved; the best is kept (default 1)
#   CALLS      live calls for the memory measurement (default 100000)
#   CARGO_TARGET_DIR  where cargo builds (default: target/)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-10s}
CONNS=${CONNS:-16}
ROUNDS=${ROUNDS:-1}
CALLS=${CALLS:-100000}
CALIBRATE=${CALIBRATE:-3s}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
LUA=$ROOT/bench/menu_turn.lua
WORK=$(mktemp -d /tmp/ivr-bench.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

say() { printf '\n== %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  say "installing wrk"
  if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi
command -v redis-server >/dev/null || { echo "redis-server is needed (apt-get install redis-server)" >&2; exit 1; }

say "building (release)"
cargo build --release -q -p ivr-runtime --bin ivr --example baseline --example live_calls
BIN=$TARGET/release

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # port name
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$2 did not start on port $1 (log: $WORK/$2.log)" >&2
  exit 1
}

# --- servers -----------------------------------------------------------------
BASE_PORT=$(free_port); MEM_PORT=$(free_port); REDIS_PORT=$(free_port); RED_PORT=$(free_port)

"$BIN/examples/baseline" "127.0.0.1:$BASE_PORT" >"$WORK/baseline.log" 2>&1 &
PIDS+=($!); BASE_PID=$!
"$BIN/ivr" serve --flows flows --listen "127.0.0.1:$MEM_PORT" --store memory >"$WORK/memory.log" 2>&1 &
PIDS+=($!); MEM_PID=$!
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$WORK" >"$WORK/redis-server.log" 2>&1 &
PIDS+=($!); REDIS_PID=$!
wait_port "$REDIS_PORT" redis-server
"$BIN/ivr" serve --flows flows --listen "127.0.0.1:$RED_PORT" --store "redis://127.0.0.1:$REDIS_PORT" >"$WORK/redis.log" 2>&1 &
PIDS+=($!); RED_PID=$!
wait_port "$BASE_PORT" baseline; wait_port "$MEM_PORT" memory; wait_port "$RED_PORT" redis

declare -A PORT=([baseline]=$BASE_PORT [memory]=$MEM_PORT [redis]=$RED_PORT)
# Whose CPU time a request to each target costs (the Redis store: ivr + redis-server).
declare -A SERVER_PIDS=([baseline]="$BASE_PID" [memory]="$MEM_PID" [redis]="$RED_PID $REDIS_PID")
TARGETS=(baseline memory redis)

# run TARGET DURATION [delay=MS] -> prints the RESULT line of menu_turn.lua
run() {
  local target=$1 duration=$2; shift 2
  wrk -t"$CONNS" -c"$CONNS" -d"$duration" --latency -s "$LUA" \
    "http://127.0.0.1:${PORT[$target]}" -- "$@" | tee -a "$WORK/wrk.log" | grep '^RESULT'
}
# CPU seconds (user + system) the processes have used so far.
cpu_seconds() {
  local total=0 pid
  for pid in "$@"; do
    total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", t + ($14 + $15) / hz }' "/proc/$pid/stat")
  done
  echo "$total"
}
field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" <<<"$1"; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

# --- peak throughput -----------------------------------------------------------
# Also the server's CPU time per request: unlike throughput, it barely
# depends on what else the machine runs (wrk itself, other processes).
declare -A PEAK PEAK_LINE CPU_US
for round in $(seq "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do
    say "peak: $t (round $round/$ROUNDS, $CONNS connections, $DURATION)"
    # shellcheck disable=SC2086 # a list of pids
    before=$(cpu_seconds ${SERVER_PIDS[$t]})
    line=$(run "$t" "$DURATION")
    # shellcheck disable=SC2086
    after=$(cpu_seconds ${SERVER_PIDS[$t]})
    echo "$line" >&2
    rps=$(field "$line" rps)
    if [ -z "${PEAK[$t]:-}" ] || [ "$rps" -gt "${PEAK[$t]}" ]; then
      PEAK[$t]=$rps; PEAK_LINE[$t]=$line
      CPU_US[$t]=$(awk -v a="$before" -v b="$after" -v n="$(field "$line" requests)" \
        'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')
    fi
  done
done

# --- latency at half of each target's own peak ---------------------------------
# wrk has no fixed-rate mode; menu_turn.lua's think time (delay=MS) slows each
# connection. Closed loop: rate = CONNS / (think + latency), so a short run
# measures think + latency and a second run corrects the think time.
declare -A HALF_LINE
for t in "${TARGETS[@]}"; do
  goal=$(( PEAK[$t] / 2 ))
  think=$(awk -v c="$CONNS" -v g="$goal" 'BEGIN { printf "%.3f", 1000 * c / g }')
  for pass in 1 2; do
    say "calibrating half load: $t (goal $goal req/s, think $think ms, pass $pass)"
    line=$(run "$t" "$CALIBRATE" "delay=$think")
    echo "$line" >&2
    got=$(field "$line" rps)
    # cycle = CONNS/got = think + overhead  =>  think' = CONNS/goal - overhead
    think=$(awk -v c="$CONNS" -v g="$goal" -v r="$got" -v d="$think" \
      'BEGIN { o = 1000 * c / r - d; t = 1000 * c / g - o; if (t < 0) t = 0; printf "%.3f", t }')
  done
  say "half load: $t (goal $goal req/s, think $think ms, $DURATION)"
  HALF_LINE[$t]=$(run "$t" "$DURATION" "delay=$think")
  echo "${HALF_LINE[$t]}" >&2
done

# --- memory per live call --------------------------------------------------------
say "memory: $CALLS live calls on the memory store"
MEMLINE=$("$BIN/examples/live_calls" "$CALLS" flows | tee "$WORK/live_calls.log" | grep '^RESULT')
cat "$WORK/live_calls.log" >&2

# --- report ------------------------------------------------------------------------
base=${PEAK[baseline]}
echo
echo "ivr load test — $(nproc) cores, $CONNS connections, $DURATION runs, best of $ROUNDS (logs: $WORK)"
printf '%-9s %10s %7s %8s %8s %9s | %10s %8s %8s %6s\n' \
  target "peak r/s" ratio "p50 ms" "p99 ms" "cpu µs/r" "half r/s" "p50 ms" "p99 ms" "bad"
for t in "${TARGETS[@]}"; do
  p=${PEAK_LINE[$t]}; h=${HALF_LINE[$t]}
  printf '%-9s %10s %7s %8s %8s %9s | %10s %8s %8s %6s\n' "$t" "${PEAK[$t]}" \
    "$(awk -v a="${PEAK[$t]}" -v b="$base" 'BEGIN { printf "%.2f", a / b }')" \
    "$(ms "$(field "$p" p50_us)")" "$(ms "$(field "$p" p99_us)")" "${CPU_US[$t]}" \
    "$(field "$h" rps)" "$(ms "$(field "$h" p50_us)")" "$(ms "$(field "$h" p99_us)")" \
    "$(( $(field "$p" bad) + $(field "$h" bad) ))"
done
per_call=$(field "$MEMLINE" per_call_bytes); marginal=$(field "$MEMLINE" marginal_bytes)
echo "memory per live call ($CALLS calls): $per_call bytes average, $marginal bytes marginal"

echo
echo "targets:"
check() { if awk "BEGIN { exit !($2) }"; then echo "  ok    $1"; else echo "  MISS  $1"; fi; }
check "memory store ≥ 0.8 × baseline throughput" "${PEAK[memory]} >= 0.8 * $base"
check "redis store ≥ 0.4 × baseline throughput" "${PEAK[redis]} >= 0.4 * $base"
for t in memory redis; do
  check "$t: p99 ≤ 2 ms at half of peak" "$(field "${HALF_LINE[$t]}" p99_us) <= 2000"
done
check "≤ 1 KiB per live call" "$per_call <= 1024"

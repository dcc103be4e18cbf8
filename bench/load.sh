#!/usr/bin/env bash
# Load test: main_line through `ivr serve` (memory store, Redis store) against
# a baseline axum server answering one constant TwiML document, for two
# workloads: menu turns and new calls. Reports requests/s, latency and the CPU
# time each server process used per request; then the latency at half of peak
# and memory per live call. Loopback only. See bench/README.md.
#
#   bench/load.sh                     # 10 s runs, 16 connections, 1 round
#   DURATION=20s CONNS=32 ROUNDS=3 bench/load.sh
#   BINS="before=/tmp/ivr-old after=target/release/ivr" bench/load.sh   # two builds, one run
#
# Environment:
#   DURATION   length of each measured run (wrk syntax, default 10s)
#   CONNS      connections = wrk threads (one call per connection; default 16)
#   ROUNDS     peak runs per target and workload, interleaved (default 1); the
#              best requests/s and the median CPU per request are reported
#   WORKLOADS  which workloads (default "turn new"): `turn` answers the menu
#              of a live call, `new` starts a new call with every request
#   BINS       the ivr binaries to measure, "NAME=PATH ...", each on both
#              stores (default: this tree's release build, named "ivr")
#   BASELINE   the baseline server binary (default: this tree's release example)
#   FLOWS      the flows folder every server loads (default: flows)
#   BUILD      0: build nothing (give BINS and BASELINE; LIVE needs live_calls)
#   HALF       0: skip the latency runs at half of peak
#   LIVE       0: skip memory per live call
#   WARMUP     an unmeasured run per target and workload first (default 2s)
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
WARMUP=${WARMUP:-2s}
read -ra WORKLOADS <<<"${WORKLOADS:-turn new}"
FLOWS=${FLOWS:-flows}
BUILD=${BUILD:-1}
HALF=${HALF:-1}
LIVE=${LIVE:-1}
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

BIN=$TARGET/release
if [ "$BUILD" != 0 ]; then
  say "building (release)"
  cargo build --release -q -p ivr-runtime --bin ivr --example baseline --example live_calls
fi
BASELINE=${BASELINE:-$BIN/examples/baseline}
read -ra BINS <<<"${BINS:-ivr=$BIN/ivr}"

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
# Per target: its port, and the processes whose CPU time a request costs
# (ivr; for the Redis store also its own redis-server).
declare -A PORT IVR_PID REDIS_PID
TARGETS=(baseline)
PORT[baseline]=$(free_port)
"$BASELINE" "127.0.0.1:${PORT[baseline]}" >"$WORK/baseline.log" 2>&1 &
PIDS+=($!); IVR_PID[baseline]=$!; REDIS_PID[baseline]=""

for entry in "${BINS[@]}"; do
  name=${entry%%=*}; bin=${entry#*=}
  [ -x "$bin" ] || { echo "$bin: no such ivr binary" >&2; exit 1; }
  for store in memory redis; do
    t=$store; [ "${#BINS[@]}" -gt 1 ] && t=$name/$store
    TARGETS+=("$t"); PORT[$t]=$(free_port); REDIS_PID[$t]=""
    spec=memory
    if [ "$store" = redis ]; then
      rport=$(free_port)
      redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$WORK" >"$WORK/${t//\//-}.redis-server.log" 2>&1 &
      PIDS+=($!); REDIS_PID[$t]=$!
      wait_port "$rport" "${t//\//-}.redis-server"
      spec=redis://127.0.0.1:$rport
    fi
    "$bin" serve --flows "$FLOWS" --listen "127.0.0.1:${PORT[$t]}" --store "$spec" \
      >"$WORK/${t//\//-}.log" 2>&1 &
    PIDS+=($!); IVR_PID[$t]=$!
  done
done
for t in "${TARGETS[@]}"; do wait_port "${PORT[$t]}" "${t//\//-}"; done

# run TARGET WORKLOAD DURATION [delay=MS] -> prints the RESULT line of menu_turn.lua
run() {
  local target=$1 workload=$2 duration=$3; shift 3
  local args=("$@")
  [ "$workload" = new ] && args+=(new=1)
  wrk -t"$CONNS" -c"$CONNS" -d"$duration" --latency -s "$LUA" \
    "http://127.0.0.1:${PORT[$target]}" -- "${args[@]}" | tee -a "$WORK/wrk.log" | grep '^RESULT'
}
# CPU clock ticks (user + system) a process has used so far; 0 for none.
ticks() { if [ -n "$1" ]; then awk '{ print $14 + $15 }' "/proc/$1/stat"; else echo 0; fi; }
HZ=$(getconf CLK_TCK)
per_request() { # ticks requests -> µs
  awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }'
}
field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" <<<"$1"; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# median, min and max of a list of numbers: "MEDIAN MIN MAX"
stats() {
  tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'
}

# --- peak throughput and CPU per request ------------------------------------------
# CPU time per request barely depends on what else the machine runs (wrk
# itself, other processes), unlike requests/s: the figure to compare.
declare -A PEAK PEAK_LINE CPU_IVR CPU_REDIS
# A short run each first: connections to Redis, caches and the allocator warmed.
for w in "${WORKLOADS[@]}"; do
  for t in "${TARGETS[@]}"; do
    say "warm-up: $t, $w ($WARMUP)"
    run "$t" "$w" "$WARMUP" >&2
  done
done
for round in $(seq "$ROUNDS"); do
  for w in "${WORKLOADS[@]}"; do
    for t in "${TARGETS[@]}"; do
      say "peak: $t, $w (round $round/$ROUNDS, $CONNS connections, $DURATION)"
      i0=$(ticks "${IVR_PID[$t]}"); r0=$(ticks "${REDIS_PID[$t]}")
      line=$(run "$t" "$w" "$DURATION")
      i1=$(ticks "${IVR_PID[$t]}"); r1=$(ticks "${REDIS_PID[$t]}")
      n=$(field "$line" requests)
      echo "$line" >&2
      CPU_IVR[$t,$w]+=" $(per_request $((i1 - i0)) "$n")"
      CPU_REDIS[$t,$w]+=" $(per_request $((r1 - r0)) "$n")"
      rps=$(field "$line" rps)
      if [ -z "${PEAK[$t,$w]:-}" ] || [ "$rps" -gt "${PEAK[$t,$w]}" ]; then
        PEAK[$t,$w]=$rps; PEAK_LINE[$t,$w]=$line
      fi
    done
  done
done
echo "CPU µs per request, every round (ivr | redis-server):" >"$WORK/cpu.log"
for w in "${WORKLOADS[@]}"; do
  for t in "${TARGETS[@]}"; do
    echo "$w $t:${CPU_IVR[$t,$w]} |${CPU_REDIS[$t,$w]}" >>"$WORK/cpu.log"
  done
done

# --- latency at half of each target's own peak (menu turns) ------------------------
# wrk has no fixed-rate mode; menu_turn.lua's think time (delay=MS) slows each
# connection. Closed loop: rate = CONNS / (think + latency), so a short run
# measures think + latency and a second run corrects the think time.
declare -A HALF_LINE
if [ "$HALF" != 0 ]; then
  for t in "${TARGETS[@]}"; do
    goal=$(( PEAK[$t,turn] / 2 ))
    think=$(awk -v c="$CONNS" -v g="$goal" 'BEGIN { printf "%.3f", 1000 * c / g }')
    for pass in 1 2; do
      say "calibrating half load: $t (goal $goal req/s, think $think ms, pass $pass)"
      line=$(run "$t" turn "$CALIBRATE" "delay=$think")
      echo "$line" >&2
      got=$(field "$line" rps)
      # cycle = CONNS/got = think + overhead  =>  think' = CONNS/goal - overhead
      think=$(awk -v c="$CONNS" -v g="$goal" -v r="$got" -v d="$think" \
        'BEGIN { o = 1000 * c / r - d; t = 1000 * c / g - o; if (t < 0) t = 0; printf "%.3f", t }')
    done
    say "half load: $t (goal $goal req/s, think $think ms, $DURATION)"
    HALF_LINE[$t]=$(run "$t" turn "$DURATION" "delay=$think")
    echo "${HALF_LINE[$t]}" >&2
  done
fi

# --- memory per live call --------------------------------------------------------
MEMLINE=""
if [ "$LIVE" != 0 ]; then
  say "memory: $CALLS live calls on the memory store"
  MEMLINE=$("$BIN/examples/live_calls" "$CALLS" "$FLOWS" | tee "$WORK/live_calls.log" | grep '^RESULT')
  cat "$WORK/live_calls.log" >&2
fi

# --- report ------------------------------------------------------------------------
declare -A CPU # total CPU µs per request (median over rounds)
echo
echo "ivr load test — $(nproc) cores, $CONNS connections, $DURATION runs, $ROUNDS round(s) (logs: $WORK)"
echo "cpu: median over rounds of (CPU time used during the run ÷ requests), [min–max]; for Redis ivr + redis-server"
printf '%-8s %-16s %9s %6s %7s %7s %24s %6s %9s\n' \
  workload target "peak r/s" ratio "p50 ms" "p99 ms" "cpu µs/r [range]" ratio "redis µs"
for w in "${WORKLOADS[@]}"; do
  for t in "${TARGETS[@]}"; do
    total=""
    read -ra ivr <<<"${CPU_IVR[$t,$w]}"; read -ra red <<<"${CPU_REDIS[$t,$w]}"
    for i in "${!ivr[@]}"; do total+=" $(awk -v a="${ivr[$i]}" -v b="${red[$i]}" 'BEGIN { print a + b }')"; done
    read -r med lo hi <<<"$(stats <<<"$total")"
    CPU[$t,$w]=$med
    p=${PEAK_LINE[$t,$w]}
    redis_part=-; [ -n "${REDIS_PID[$t]}" ] && redis_part=$(stats <<<"${CPU_REDIS[$t,$w]}" | cut -d' ' -f1)
    printf '%-8s %-16s %9s %6s %7s %7s %24s %6s %9s\n' "$w" "$t" "${PEAK[$t,$w]}" \
      "$(ratio "${PEAK[$t,$w]}" "${PEAK[baseline,$w]}")" \
      "$(ms "$(field "$p" p50_us)")" "$(ms "$(field "$p" p99_us)")" \
      "$med [$lo–$hi]" "$(ratio "$med" "${CPU[baseline,$w]}")" "$redis_part"
  done
done
bad=0
for w in "${WORKLOADS[@]}"; do
  for t in "${TARGETS[@]}"; do
    bad=$(( bad + $(field "${PEAK_LINE[$t,$w]}" bad) + $(field "${PEAK_LINE[$t,$w]}" overlapping) ))
  done
done
if [ "$HALF" != 0 ]; then
  echo
  echo "menu turns at half of each target's own peak:"
  printf '%-16s %9s %7s %7s\n' target "r/s" "p50 ms" "p99 ms"
  for t in "${TARGETS[@]}"; do
    h=${HALF_LINE[$t]}
    printf '%-16s %9s %7s %7s\n' "$t" "$(field "$h" rps)" "$(ms "$(field "$h" p50_us)")" "$(ms "$(field "$h" p99_us)")"
    bad=$(( bad + $(field "$h" bad) + $(field "$h" overlapping) ))
  done
fi
echo "bad or overlapping answers: $bad (must be 0)"
if [ -n "$MEMLINE" ]; then
  per_call=$(field "$MEMLINE" per_call_bytes); marginal=$(field "$MEMLINE" marginal_bytes)
  echo "memory per live call ($CALLS calls): $per_call bytes average, $marginal bytes marginal"
fi

# Two or more builds: each against the first, same store and workload.
if [ "${#BINS[@]}" -gt 1 ]; then
  first=${BINS[0]%%=*}
  echo
  echo "each build ÷ $first (cpu: lower is better; r/s: higher is better):"
  for entry in "${BINS[@]:1}"; do
    name=${entry%%=*}
    for w in "${WORKLOADS[@]}"; do
      for store in memory redis; do
        a=$first/$store; b=$name/$store
        printf '  %-8s %-7s cpu %s×  r/s %s×\n' "$w" "$store" \
          "$(ratio "${CPU[$b,$w]}" "${CPU[$a,$w]}")" "$(ratio "${PEAK[$b,$w]}" "${PEAK[$a,$w]}")"
      done
    done
  done
fi

echo
echo "targets (issue 14):"
check() { if awk "BEGIN { exit !($2) }"; then echo "  ok    $1"; else echo "  MISS  $1"; fi; }
has() { [[ " ${WORKLOADS[*]} " == *" $1 "* ]]; }
for entry in "${BINS[@]}"; do
  name=${entry%%=*}; m=memory; r=redis
  if [ "${#BINS[@]}" -gt 1 ]; then m=$name/memory; r=$name/redis; fi
  if has turn; then
    check "$m: menu turn CPU ≤ 1.3 × baseline" "${CPU[$m,turn]} <= 1.3 * ${CPU[baseline,turn]}"
    check "$m: menu turn throughput ≥ 0.8 × baseline" "${PEAK[$m,turn]} >= 0.8 * ${PEAK[baseline,turn]}"
    check "$r: ivr + redis-server CPU per menu turn ≤ 2.5 × baseline" "${CPU[$r,turn]} <= 2.5 * ${CPU[baseline,turn]}"
    if [ "$HALF" != 0 ]; then
      for t in "$m" "$r"; do
        check "$t: menu turn p99 ≤ 2 ms at half of peak" "$(field "${HALF_LINE[$t]}" p99_us) <= 2000"
      done
    fi
  fi
  if has new; then
    check "$m: new call CPU ≤ 1.6 × baseline" "${CPU[$m,new]} <= 1.6 * ${CPU[baseline,new]}"
  fi
done
[ -n "$MEMLINE" ] && check "≤ 1 KiB per live call" "$per_call <= 1024"
exit 0

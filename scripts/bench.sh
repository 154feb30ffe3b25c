#!/usr/bin/env bash
# Benchmarks (not tests). Each subcommand starts its own in-memory Azurite on ports 10200-10202 (the dev system uses
# 10000, the tests 10100), runs, stops everything it started by PID, writes raw results to bench/results/ and prints
# a Markdown table.
#   scripts/bench.sh list    issue 2: 100,000 seeded tasks; GET /api/tasks latencies and POST /api/tasks open loop
# Knobs (environment): BENCH_TASKS, BENCH_SEEDCONCURRENCY, BENCH_LISTREQUESTS, BENCH_LISTWARMUP, BENCH_LISTMAXSECONDS,
# BENCH_CREATERATE, BENCH_CREATESECONDS, BENCH_PROBEREPEATS (see bench/TaskScheduler.Bench/BenchOptions.cs).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# The benchmarks reach the API through its auth like any client: a fresh admin key per run is SelfHost's bootstrap
# key (on a tier that never throttles), and the bench programs and agents send it (BENCH_APIKEY, Agent__ApiKey).
export BENCH_APIKEY="${BENCH_APIKEY:-bench-$(head -c 24 /dev/urandom | base64 | tr -d '=+/\n')}"

read -r -a AZURITE_PORTS <<<"${TASKSCHEDULER_BENCH_PORTS:-10200 10201 10202}"
SELFHOST_PORT=${TASKSCHEDULER_BENCH_SELFHOST_PORT:-10203}
PREFIX=bench
BENCH_DLL="$ROOT/bench/TaskScheduler.Bench/bin/Release/net10.0/TaskScheduler.Bench.dll"
SELFHOST_DLL="$ROOT/src/SelfHost/bin/Release/net10.0/TaskScheduler.SelfHost.dll"

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

AZURITE_PID="" SELFHOST_PID=""
cleanup() {
  trap - INT TERM EXIT
  stop_pid "$SELFHOST_PID" TERM
  stop_pid "$AZURITE_PID" INT
}

build() {
  log "building SelfHost and the bench (Release)"
  for project in src/SelfHost/TaskScheduler.SelfHost.csproj bench/TaskScheduler.Bench/TaskScheduler.Bench.csproj; do
    dotnet build "$project" -c Release --nologo -v quiet -clp:"ErrorsOnly;Summary" -warnaserror >/dev/null
  done
}

# A fresh emulator for the run. The seeded index holds millions of rows: give Node room beyond its 4 GB default.
start_bench_azurite() { # RESULTS
  NODE_OPTIONS="--max-old-space-size=${BENCH_AZURITE_HEAP_MB:-12288}" \
    start_azurite "${AZURITE_PORTS[@]}" "" "$1/azurite.log"
  log "Azurite ready on ${AZURITE_PORTS[*]} (pid $AZURITE_PID, in memory)"
}

# start_selfhost RESULTS: SelfHost as the product runs it, on the same storage prefix the seed used.
start_selfhost() {
  local url="http://127.0.0.1:$SELFHOST_PORT" code
  if port_open "$SELFHOST_PORT"; then log "port $SELFHOST_PORT is already in use"; return 1; fi
  # The seeded tasks never went through the API: none has an orchestration, and their worker never registered.
  # The maintenance sweeps would start "repairing" all of them during the measurement, so their first tick is put
  # beyond a scenario's life (their longest allowed intervals; SelfHost starts afresh for each scenario).
  AzureWebJobsStorage="$STORAGE" SchedulerStorage="$STORAGE" Scheduler__StoragePrefix="$PREFIX" \
    SweepLostWorkersSchedule="0 */10 * * * *" ReconcileTasksSchedule="0 0 * * * *" \
    Logging__LogLevel__Default=Warning \
    Auth__BootstrapAdminKey="$BENCH_APIKEY" Auth__Tiers__internal__Limit=100000000 \
    dotnet "$SELFHOST_DLL" --urls "$url" >>"$1/selfhost.log" 2>&1 &
  SELFHOST_PID=$!
  for _ in $(seq 1 600); do
    # A point read (404) answers at once; a listing would already be a measurement.
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url/api/tasks/task-ready" || true)
    if [ "${code:-000}" != 000 ] && [ "$code" -lt 500 ]; then
      log "SelfHost ready on $url (pid $SELFHOST_PID)"
      return 0
    fi
    kill -0 "$SELFHOST_PID" 2>/dev/null || { log "SelfHost exited:"; cat "$1/selfhost.log" >&2; return 1; }
    sleep 0.1
  done
  log "SelfHost did not answer in 60 s"; return 1
}

# bench STEP [--Setting value ...]: one step of the bench program; its log also goes to the results folder.
bench() {
  dotnet "$BENCH_DLL" "$@" --Storage "$STORAGE" --Prefix "$PREFIX" --Results "$RESULTS" \
    --AzuritePid "${AZURITE_PID:-0}" --SelfHostPid "${SELFHOST_PID:-0}" 2>&1 | tee -a "$RESULTS/bench.log"
}

environment_line() {
  local cores mem
  cores=$(nproc)
  mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
  printf '%s cores, %s RAM, %s, .NET SDK %s, Azurite %s in memory' \
    "$cores" "$mem" "$(uname -sr)" "$(dotnet --version)" \
    "$(node -p 'require(process.argv[1]).version' "$AZURITE_DIR/node_modules/azurite/package.json")"
}

bench_list() {
  RESULTS="$ROOT/bench/results/list-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$RESULTS"
  STORAGE="$(azurite_connection "${AZURITE_PORTS[@]}")"
  local started=$SECONDS

  start_bench_azurite "$RESULTS"
  log "seeding ${BENCH_TASKS:-100000} tasks (100,000 take hours on Azurite: see bench/README.md)"
  bench seed
  log "counting the storage calls of each listing (in-process)"
  bench probe
  local scenario
  for scenario in $(dotnet "$BENCH_DLL" scenarios); do
    start_selfhost "$RESULTS"
    log "measuring $scenario over HTTP"
    bench http --Scenario "$scenario"
    stop_pid "$SELFHOST_PID" TERM; SELFHOST_PID=""
  done
  log "checking the index counters against the task rows"
  bench verify
  cleanup
  AZURITE_PID=""

  log "done in $((SECONDS - started)) s; raw results in ${RESULTS#"$ROOT/"}"
  dotnet "$BENCH_DLL" report --Results "$RESULTS" \
    --Environment "$(environment_line); whole run $((SECONDS - started)) s" | tee "$RESULTS/summary.md"
}

case "${1:-}" in
  list)
    ensure_azurite
    build
    trap cleanup INT TERM EXIT
    bench_list
    ;;
  *) usage ;;
esac

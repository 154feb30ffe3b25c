#!/usr/bin/env bash
# Benchmarks (not tests); bench/README.md says what each measures and shows its figures. A run builds SelfHost, the agent
# and bench/TaskScheduler.Bench (Release), starts its own in-memory Azurite, runs the bench's steps (each starts and
# stops the SelfHost, agents and counting proxy it measures, on free ports), stops everything it started by PID, writes
# raw results to bench/results/ and prints Markdown tables.
#   scripts/bench.sh list          issue 2: 100,000 seeded tasks; GET /api/tasks latencies and POST /api/tasks open loop
#   scripts/bench.sh latency       A: POST -> claim on an idle system, polling fake agent, per poll cap
#   scripts/bench.sh throughput    B: no-op tasks with fake agents, beside a trivial orchestration on the engine
#   scripts/bench.sh transactions  C: storage requests per task, and idle rates, through the counting proxy
#   scripts/bench.sh engine-floor  C': the engine alone, a no-op task's orchestration shape without the app (also the end of C)
#   scripts/bench.sh agent         D: the real agent: throughput with 1 and 2 agents, then latency with 1
#   scripts/bench.sh create        E: POST /tasks from 16 concurrent clients, no agent (BENCH_CREATES, default 2000)
#   scripts/bench.sh floor         F: Azurite alone: table calls per second by table size (the emulator's ceiling)
#   scripts/bench.sh firing        G: storage requests per schedule firing, through the counting proxy (BENCH_FIRINGS, default 20)
#   scripts/bench.sh all           latency to create, and firing, into one results folder (about 80 minutes)
# scripts/bench-dispatch.sh MODE is the same command. Knobs (environment): every BENCH_* setting of
# bench/TaskScheduler.Bench/BenchOptions.cs (BENCH_TASKS, BENCH_SAMPLES, BENCH_TRANSACTIONTASKS, BENCH_IDLESECONDS, ...),
# and BENCH_LATENCY_RUNS (engine:agent poll caps in ms, default "250:1000 100:1000 1000:1000 100:250"), BENCH_AGENT_TASKS,
# BENCH_AGENT_COUNTS (default "1 2"), BENCH_AGENT_RATE (tasks/s, 0 = all at once), BENCH_CREATES, BENCH_HUB_AZURITE (1,
# list 0: SelfHost's task hub in a second Azurite, as Azure keeps it in an account of its own; the proxied steps count one).
# Ports: TASKSCHEDULER_BENCH_PORTS (default "10200 10201 10202" for list, "10500 10501 10502" otherwise) and
# TASKSCHEDULER_BENCH_HUB_PORTS (default "10504 10505 10506").
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

mode=${1:-}
case "$mode" in
  list | latency | throughput | transactions | engine-floor | agent | create | floor | firing | all) ;;
  *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
ports="10500 10501 10502" hub=${BENCH_HUB_AZURITE:-1} heap="" folder="dispatch-$mode"
[ "$mode" = list ] && ports="10200 10201 10202" hub=${BENCH_HUB_AZURITE:-0} folder=list \
  heap="--max-old-space-size=${BENCH_AZURITE_HEAP_MB:-12288}" # the seeded index holds millions of rows
read -r -a AZURITE_PORTS <<<"${TASKSCHEDULER_BENCH_PORTS:-$ports}"
read -r -a HUB_AZURITE_PORTS <<<"${TASKSCHEDULER_BENCH_HUB_PORTS:-10504 10505 10506}"
STORAGE="$(azurite_connection "${AZURITE_PORTS[@]}")" HUB_STORAGE=""
RESULTS="$ROOT/bench/results/$folder-$(date +%Y%m%d-%H%M%S)"
AZURITE_PID="" HUB_AZURITE_PID=""

stop_emulators() {
  stop_pid "$AZURITE_PID" INT; stop_pid "$HUB_AZURITE_PID" INT
  AZURITE_PID="" HUB_AZURITE_PID=""
}

# Builds, then runs private copies of the outputs (tests/TestSupport starts SelfHost and the agent from
# TASKSCHEDULER_BUILD_OUTPUT): other work rebuilds the same bin/ folders, and a run must not switch binaries half-way.
build() {
  ensure_native_toolchain
  log "building SelfHost, the agent and the bench (Release)"
  for project in bench/TaskScheduler.Bench/TaskScheduler.Bench.csproj src/WorkerAgent/TaskScheduler.WorkerAgent.csproj; do
    dotnet build "$project" -c Release --nologo -v quiet -clp:"ErrorsOnly;Summary" -warnaserror >/dev/null
  done
  mkdir -p "$RESULTS/bin"
  cp -r bench/TaskScheduler.Bench/bin/Release/net10.0 "$RESULTS/bin/bench"
  cp -r src/SelfHost/bin/Release/net10.0 "$RESULTS/bin/SelfHost"
  cp -r src/WorkerAgent/bin/Release/net10.0 "$RESULTS/bin/WorkerAgent"
  export TASKSCHEDULER_BUILD_OUTPUT="$RESULTS/bin"
  BENCH_DLL="$RESULTS/bin/bench/TaskScheduler.Bench.dll"
}

# bench STEP [--Setting value ...]: one step of the bench program; its log also goes to the results folder.
bench() {
  dotnet "$BENCH_DLL" "$@" --Storage "$STORAGE" --HubStorage "$HUB_STORAGE" --Results "$RESULTS" \
    --Pids "azurite=${AZURITE_PID:-0},hubazurite=${HUB_AZURITE_PID:-0}" 2>&1 | tee -a "$RESULTS/bench.log"
}

environment_line() {
  printf '%s cores (%s), %s RAM, %s, .NET SDK %s, Azurite %s in memory' \
    "$(nproc)" "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)" "$(uname -sr)" "$(dotnet --version)" \
    "$(node -p 'require(process.argv[1]).version' "$AZURITE_DIR/node_modules/azurite/package.json")"
}

run_list() {
  log "seeding ${BENCH_TASKS:-100000} tasks (100,000 take hours on Azurite: see bench/README.md)"
  bench seed --Tasks "${BENCH_TASKS:-100000}"
  log "counting the storage calls of each listing (in-process)"
  bench probe
  log "the listings, then creates, over HTTP, each on a fresh SelfHost"
  bench http
  log "checking the index counters against the task rows"
  bench verify
}

# Each run is ENGINE_CAP:AGENT_CAP in ms: SelfHost's default, the trade-off either way, and what the target takes.
run_latency() {
  local run engine agent
  for run in ${BENCH_LATENCY_RUNS:-250:1000 100:1000 1000:1000 100:250}; do
    engine=${run%%:*} agent=${run##*:}
    log "latency: engine poll cap $engine ms, agent poll cap $agent ms, ${BENCH_SAMPLES:-100} samples with 1-3 s idle gaps"
    bench latency --Prefix "lat$engine$agent" --EnginePollingMs "$engine" --MaxPollMs "$agent" --Label "latency-$engine-$agent"
  done
}

run_throughput() {
  log "throughput: ${BENCH_TASKS:-300} no-op tasks, ${BENCH_AGENTS:-8} fake agents"
  bench throughput --Prefix tp --Label throughput
  log "throughput: the same number of trivial orchestrations on the bare engine"
  bench engine --Prefix tpbase --Label engine
}

# Every call through the proxy, to one emulator. Idle rates on fresh systems; a task's own life with the
# reconciliation sweep off (its visits to finished tasks are measured apart, on the same tables with the sweep on);
# then one task kept running; then the engine alone.
run_transactions() {
  local polling
  bench idle --Proxy true --Prefix tx250 --Label idle-250 --What "SelfHost alone"
  bench idle --Proxy true --Prefix tx250 --Label idle-250-agent --What "one idle real agent" --Baseline idle-250 --RealAgents 1
  for polling in 100 1000; do
    bench idle --Proxy true --Prefix "tx$polling" --Label "idle-$polling" --What "SelfHost alone" --EnginePollingMs "$polling"
  done
  bench transactions --Proxy true --Prefix txlife --Label transactions --SelfHostSettings "ReconcileTasksSchedule=0 0 * * * *"
  bench idle --Proxy true --Prefix txlife --Label idle-250-finished --What "SelfHost alone, tasks finished" --Baseline idle-250
  bench running --Proxy true --Prefix txlife --Label running
  run_engine_floor
}

run_engine_floor() {
  log "transactions: the engine alone, attempt-shaped orchestrations one at a time (the floor under engine + app)"
  bench engine-transactions --Proxy true --Prefix txengine --Label engine-transactions
}

# The agents run with their defaults (poll back-off 50 ms -> 250 ms), BENCH_SLOTS (default 4) slots each.
run_agent() {
  local count
  for count in ${BENCH_AGENT_COUNTS:-1 2}; do
    log "agent: ${BENCH_AGENT_TASKS:-200} \`true\` tasks with $count real agent(s)"
    bench agent-throughput --Prefix "ag$count" --RealAgents "$count" --Tasks "${BENCH_AGENT_TASKS:-200}" \
      --Rate "${BENCH_AGENT_RATE:-0}" --MaxPollMs 250 --Label "agent-throughput-$count"
  done
  log "agent: latency with one real agent"
  bench agent-latency --Prefix al --RealAgents 1 --MaxPollMs 250 --Label agent-latency
}

run_create() {
  log "create: ${BENCH_CREATES:-2000} POST /tasks from 16 concurrent clients, no agent"
  bench create --Prefix cr --Tasks "${BENCH_CREATES:-2000}" --Submitters 16 --Label create
}

run_firing() {
  log "firing: ${BENCH_FIRINGS:-20} firings of one schedule against as many tasks, one real agent"
  bench firing --Proxy true --Prefix fire --RealAgents 1 --Label firing
}

ensure_azurite
mkdir -p "$RESULTS"
build
trap 'trap - INT TERM EXIT; stop_emulators; rm -rf "${RESULTS:?}/bin"' INT TERM EXIT
started=$SECONDS
NODE_OPTIONS="$heap" start_azurite "${AZURITE_PORTS[@]}" "" "$RESULTS/azurite.log"
log "Azurite ready on ${AZURITE_PORTS[*]} (pid $AZURITE_PID, in memory); results in ${RESULTS#"$ROOT/"}"
if [ "$hub" = 1 ]; then
  start_azurite "${HUB_AZURITE_PORTS[@]}" "" "$RESULTS/azurite-hub.log" HUB_AZURITE_PID
  HUB_STORAGE="$(azurite_connection "${HUB_AZURITE_PORTS[@]}")"
  log "the task hub's Azurite ready on ${HUB_AZURITE_PORTS[*]} (pid $HUB_AZURITE_PID, in memory)"
fi
case "$mode" in
  list) run_list ;;
  latency) run_latency ;;
  throughput) run_throughput ;;
  transactions) run_transactions ;;
  engine-floor) run_engine_floor ;;
  agent) run_agent ;;
  create) run_create ;;
  floor) log "floor: Azurite alone, 16 concurrent callers"; bench floor --Prefix floor --Submitters 16 --Label floor ;;
  firing) run_firing ;;
  all) run_latency; run_throughput; run_transactions; run_agent; run_create; run_firing ;;
esac
stop_emulators
log "done in $((SECONDS - started)) s; raw results in ${RESULTS#"$ROOT/"}"
dotnet "$BENCH_DLL" report --Results "$RESULTS" --Environment "$(environment_line); whole run $((SECONDS - started)) s" | tee "$RESULTS/summary.md"

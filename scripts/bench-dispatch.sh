#!/usr/bin/env bash
# Benchmarks of issues 3 and 4 (not tests). Starts its own in-memory Azurite on ports 10500-10502 (the dev system
# uses 10000, the tests 10100, scripts/bench.sh 10200), SelfHost on 10503 and, for transactions, a counting proxy on
# 10510-10513 (control 10519); stops everything it started by PID; writes raw results to bench/results/ and prints
# Markdown tables.
#   scripts/bench-dispatch.sh latency       A: POST -> claim on an idle system, polling fake agent, per poll cap
#   scripts/bench-dispatch.sh throughput    B: no-op tasks with fake agents, beside a trivial orchestration on the engine
#   scripts/bench-dispatch.sh transactions  C: storage requests per task, and idle rates, through the counting proxy
#   scripts/bench-dispatch.sh engine-floor  C': the engine alone, a no-op task's orchestration shape without the app (also the end of C)
#   scripts/bench-dispatch.sh agent         D: the real agent: throughput with 1 and 2 agents, then latency with 1
#   scripts/bench-dispatch.sh floor         F: Azurite alone: table calls per second by table size (the emulator's ceiling)
#   scripts/bench-dispatch.sh create        E: POST /tasks from 16 concurrent clients, no agent (BENCH_CREATES, default 2000)
#   scripts/bench-dispatch.sh all           all of them into one results folder (about 75 minutes)
# Knobs (environment): BENCH_LATENCY_RUNS (engine:agent poll caps in ms, default "250:1000 100:1000 1000:1000 100:250"),
# BENCH_SAMPLES, BENCH_TASKS, BENCH_AGENTS, BENCH_SUBMITTERS, BENCH_TRANSACTIONTASKS, BENCH_PROBETASKS,
# BENCH_IDLESECONDS, BENCH_HOSTIDLESECONDS, BENCH_AGENT_TASKS, BENCH_AGENT_COUNTS (default "1 2"), BENCH_AGENT_RATE
# (tasks/s offered to the agent step, 0 = all at once), BENCH_CREATES, BENCH_SLOTS (bench/TaskScheduler.DispatchBench/DispatchBenchOptions.cs),
# BENCH_HUB_AZURITE (default 1: SelfHost's task hub in a second Azurite on 10504-10506, as scripts/run.sh runs it and
# Azure keeps it in an account of its own, infra/main.bicep's sthub and stdata; 0: one emulator for both, as the
# figures before 2026-12-03 evening; the transactions step always counts one emulator through its proxy).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# The benchmarks reach the API through its auth like any client: a fresh admin key per run is SelfHost's bootstrap
# key (on a tier that never throttles), and the bench programs and agents send it (BENCH_APIKEY, Agent__ApiKey).
export BENCH_APIKEY="${BENCH_APIKEY:-bench-$(head -c 24 /dev/urandom | base64 | tr -d '=+/\n')}"

AZURITE_PORTS=(10500 10501 10502)
SELFHOST_PORT=10503
PROXY_CONTROL=10519
API="http://127.0.0.1:$SELFHOST_PORT/api/"
STORAGE="$(azurite_connection "${AZURITE_PORTS[@]}")"
HUB_AZURITE_PORTS=(10504 10505 10506)
HUB_STORAGE=""
[ "${BENCH_HUB_AZURITE:-1}" = 1 ] && HUB_STORAGE="$(azurite_connection "${HUB_AZURITE_PORTS[@]}")"
# Through the proxy: SelfHost's three services, and the agent's queue on a port of its own (counted as the agent's).
PROXY_STORAGE="$(azurite_connection 10510 10511 10512)"
AGENT_PROXY_STORAGE="$(azurite_connection 10510 10513 10512)"
SLOTS=${BENCH_SLOTS:-4}

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

AZURITE_PID="" HUB_AZURITE_PID="" SELFHOST_PID="" PROXY_PID=""
AGENT_PIDS=()
cleanup() {
  trap - INT TERM EXIT
  stop_agents
  stop_pid "$SELFHOST_PID" TERM
  stop_pid "$PROXY_PID" TERM
  stop_pid "$AZURITE_PID" INT
  stop_pid "$HUB_AZURITE_PID" INT
}

# Builds, then runs private copies of the outputs: other work on this machine rebuilds the same bin/ folders,
# and a run must not switch binaries half-way.
build() {
  ensure_native_toolchain
  log "building SelfHost, the agent and the bench (Release)"
  for project in bench/TaskScheduler.DispatchBench/TaskScheduler.DispatchBench.csproj src/WorkerAgent/TaskScheduler.WorkerAgent.csproj; do
    dotnet build "$project" -c Release --nologo -v quiet -clp:"ErrorsOnly;Summary" -warnaserror >/dev/null
  done
  mkdir -p "$RESULTS/bin"
  cp -r "$ROOT/bench/TaskScheduler.DispatchBench/bin/Release/net10.0" "$RESULTS/bin/bench"
  cp -r "$ROOT/src/SelfHost/bin/Release/net10.0" "$RESULTS/bin/selfhost"
  cp -r "$ROOT/src/WorkerAgent/bin/Release/net10.0" "$RESULTS/bin/agent"
  BENCH_DLL="$RESULTS/bin/bench/TaskScheduler.DispatchBench.dll"
  SELFHOST_DLL="$RESULTS/bin/selfhost/TaskScheduler.SelfHost.dll"
  AGENT_DLL="$RESULTS/bin/agent/TaskScheduler.WorkerAgent.dll"
}

# bench STEP [--Setting value ...]: one step of the bench program; its log also goes to the results folder.
# The processes it started are named, so a summary can tell their CPU from what the rest of the machine used.
bench() {
  local pids="azurite=${AZURITE_PID:-0},hubazurite=${HUB_AZURITE_PID:-0},selfhost=${SELFHOST_PID:-0},proxy=${PROXY_PID:-0}" i
  for i in "${!AGENT_PIDS[@]}"; do pids+=",agent$((i + 1))=${AGENT_PIDS[$i]}"; done
  dotnet "$BENCH_DLL" "$@" --Storage "$STORAGE" --HubStorage "$HUB_STORAGE" --BaseUrl "$API" --Results "$RESULTS" \
    --ProxyControl "http://127.0.0.1:$PROXY_CONTROL/" --Pids "$pids" 2>&1 | tee -a "$RESULTS/bench.log"
}

# start_selfhost PREFIX POLLING_MS CONNECTION [NAME=VALUE ...]: the product's SelfHost with its defaults but the
# engine's poll cap (and any settings given). Its task hub goes to the hub emulator when there is one and CONNECTION
# is the plain one (not the proxy).
start_selfhost() {
  local prefix=$1 polling=$2 connection=$3 url="http://127.0.0.1:$SELFHOST_PORT" code hub=$3
  shift 3
  if port_open "$SELFHOST_PORT"; then log "port $SELFHOST_PORT is already in use"; return 1; fi
  [ -n "$HUB_STORAGE" ] && [ "$connection" = "$STORAGE" ] && hub=$HUB_STORAGE
  env AzureWebJobsStorage="$hub" SchedulerStorage="$connection" Scheduler__StoragePrefix="$prefix" \
    TaskHubName="${prefix}hub" DurableTask__MaxQueuePollingIntervalMs="$polling" \
    Logging__LogLevel__Default=Warning "$@" \
    Auth__BootstrapAdminKey="$BENCH_APIKEY" Auth__Tiers__internal__Limit=100000000 \
    dotnet "$SELFHOST_DLL" --urls "$url" >>"$RESULTS/selfhost-$prefix.log" 2>&1 &
  SELFHOST_PID=$!
  for _ in $(seq 1 600); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url/api/tasks/task-ready" || true)
    if [ "${code:-000}" != 000 ] && [ "$code" -lt 500 ]; then
      log "SelfHost ready on $url (pid $SELFHOST_PID, prefix $prefix, engine poll cap $polling ms)"
      return 0
    fi
    kill -0 "$SELFHOST_PID" 2>/dev/null || { log "SelfHost exited:"; tail -20 "$RESULTS/selfhost-$prefix.log" >&2; return 1; }
    sleep 0.1
  done
  log "SelfHost did not answer in 60 s"; return 1
}

discard_binaries() { rm -rf "${RESULTS:?}/bin"; }

stop_selfhost() { stop_pid "$SELFHOST_PID" TERM; SELFHOST_PID=""; }

# start_agents COUNT PREFIX CONNECTION: real agents with their defaults (poll back-off 50 ms -> 1 s), SLOTS slots.
start_agents() {
  local count=$1 prefix=$2 connection=$3 i
  for i in $(seq 1 "$count"); do
    Agent__ApiBaseUrl="$API" Agent__QueueConnection="$connection" Agent__QueuePrefix="$prefix" \
      Agent__Slots="$SLOTS" Agent__WorkDirectory="$RESULTS/agent-work" Agent__ApiKey="$BENCH_APIKEY" \
      Logging__LogLevel__Default=Warning \
      dotnet "$AGENT_DLL" >>"$RESULTS/agent-$prefix-$i.log" 2>&1 &
    AGENT_PIDS+=($!)
  done
  log "started $count agent(s) (pids ${AGENT_PIDS[*]}, $SLOTS slots each)"
}

stop_agents() {
  local pid
  for pid in "${AGENT_PIDS[@]}"; do stop_pid "$pid" TERM; done
  AGENT_PIDS=()
  rm -rf "${RESULTS:?}/agent-work"
}

start_proxy() {
  local listeners="selfhost:blob:10510:${AZURITE_PORTS[0]},selfhost:queue:10511:${AZURITE_PORTS[1]},selfhost:table:10512:${AZURITE_PORTS[2]},agent:queue:10513:${AZURITE_PORTS[1]}"
  for p in 10510 10511 10512 10513 "$PROXY_CONTROL"; do
    if port_open "$p"; then log "port $p is already in use"; return 1; fi
  done
  dotnet "$BENCH_DLL" proxy --ProxyListeners "$listeners" --Prefixes "$1" \
    --ProxyControl "http://127.0.0.1:$PROXY_CONTROL/" >>"$RESULTS/proxy.log" 2>&1 &
  PROXY_PID=$!
  for _ in $(seq 1 300); do
    if port_open "$PROXY_CONTROL"; then log "counting proxy ready (pid $PROXY_PID)"; return 0; fi
    kill -0 "$PROXY_PID" 2>/dev/null || { log "the proxy exited:"; cat "$RESULTS/proxy.log" >&2; return 1; }
    sleep 0.1
  done
  log "the proxy did not open its ports in 30 s"; return 1
}

environment_line() {
  printf '%s cores (%s), %s RAM, %s, .NET SDK %s, Azurite %s in memory' \
    "$(nproc)" "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)" "$(uname -sr)" "$(dotnet --version)" \
    "$(node -p 'require(process.argv[1]).version' "$AZURITE_DIR/node_modules/azurite/package.json")"
}

# Each run is ENGINE_CAP:AGENT_CAP in ms: SelfHost's default, the trade-off either way, and what the target takes.
run_latency() {
  local run engine agent
  for run in ${BENCH_LATENCY_RUNS:-250:1000 100:1000 1000:1000 100:250}; do
    engine=${run%%:*} agent=${run##*:}
    start_selfhost "lat$engine$agent" "$engine" "$STORAGE"
    log "latency: engine poll cap $engine ms, agent poll cap $agent ms, ${BENCH_SAMPLES:-100} samples with 1-3 s idle gaps"
    bench latency --Prefix "lat$engine$agent" --AgentStorage "$STORAGE" --EnginePollingMs "$engine" --MaxPollMs "$agent" \
      --Label "latency-$engine-$agent"
    stop_selfhost
  done
}

run_throughput() {
  start_selfhost tp 250 "$STORAGE"
  log "throughput: ${BENCH_TASKS:-300} no-op tasks, ${BENCH_AGENTS:-8} fake agents"
  bench throughput --Prefix tp --AgentStorage "$STORAGE" --Label throughput
  stop_selfhost
  log "throughput: the same number of trivial orchestrations on the bare engine"
  bench engine --Prefix tpbase --Label engine
}

# Idle rates on fresh systems; a task's own life with the reconciliation sweep off (its visits to finished tasks
# are measured apart, on the same system restarted with the sweep on); then one task kept running.
run_transactions() {
  # One emulator, every call through the proxy: no task hub emulator of its own in this step.
  local polling HUB_STORAGE=""
  start_proxy "tx250,tx100,tx1000,txlife,txengine"
  start_selfhost tx250 250 "$PROXY_STORAGE"
  bench idle --Prefix tx250 --Label idle-250 --What "SelfHost alone"
  start_agents 1 tx250 "$AGENT_PROXY_STORAGE"
  bench idle --Prefix tx250 --Label idle-250-agent --What "one idle real agent" --Baseline idle-250
  stop_agents
  stop_selfhost
  for polling in 100 1000; do
    start_selfhost "tx$polling" "$polling" "$PROXY_STORAGE"
    bench idle --Prefix "tx$polling" --Label "idle-$polling" --What "SelfHost alone" --EnginePollingMs "$polling"
    stop_selfhost
  done
  start_selfhost txlife 250 "$PROXY_STORAGE" ReconcileTasksSchedule="0 0 * * * *"
  bench transactions --Prefix txlife --AgentStorage "$AGENT_PROXY_STORAGE" --Label transactions
  stop_selfhost
  start_selfhost txlife 250 "$PROXY_STORAGE"
  bench idle --Prefix txlife --Label idle-250-finished --What "SelfHost alone, tasks finished" --Baseline idle-250
  bench running --Prefix txlife --Label running
  stop_selfhost
  log "transactions: the engine alone, attempt-shaped orchestrations one at a time (the floor under engine + app)"
  HUB_STORAGE=$PROXY_STORAGE bench engine-transactions --Prefix txengine --Label engine-transactions
  stop_pid "$PROXY_PID" TERM; PROXY_PID=""
}

run_agent() {
  local count
  for count in ${BENCH_AGENT_COUNTS:-1 2}; do
    start_selfhost "ag$count" 250 "$STORAGE"
    start_agents "$count" "ag$count" "$STORAGE"
    log "agent: ${BENCH_AGENT_TASKS:-200} \`true\` tasks with $count real agent(s)"
    bench agent-throughput --Prefix "ag$count" --RealAgents "$count" --Slots "$SLOTS" --Tasks "${BENCH_AGENT_TASKS:-200}" \
      --Rate "${BENCH_AGENT_RATE:-0}" --MaxPollMs 1000 --Label "agent-throughput-$count"
    stop_agents
    stop_selfhost
  done
  start_selfhost al 250 "$STORAGE"
  start_agents 1 al "$STORAGE"
  log "agent: latency with one real agent"
  bench agent-latency --Prefix al --RealAgents 1 --Slots "$SLOTS" --MaxPollMs 1000 --Label agent-latency
  stop_agents
  stop_selfhost
}

run_create() {
  start_selfhost cr 250 "$STORAGE"
  log "create: ${BENCH_CREATES:-2000} POST /tasks from 16 concurrent clients, no agent"
  bench create --Prefix cr --Tasks "${BENCH_CREATES:-2000}" --Submitters 16 --Label create
  stop_selfhost
}

run_floor() {
  log "floor: Azurite alone, 16 concurrent callers"
  bench floor --Prefix floor --Submitters 16 --Label floor
}

mode=${1:-}
case "$mode" in
  latency | throughput | transactions | engine-floor | agent | create | floor | all) ;;
  *) usage ;;
esac

ensure_azurite
RESULTS="$ROOT/bench/results/dispatch-$mode-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS"
build
trap 'cleanup; discard_binaries' INT TERM EXIT
started=$SECONDS
start_azurite "${AZURITE_PORTS[@]}" "" "$RESULTS/azurite.log"
log "Azurite ready on ${AZURITE_PORTS[*]} (pid $AZURITE_PID, in memory); results in ${RESULTS#"$ROOT/"}"
if [ -n "$HUB_STORAGE" ]; then
  start_azurite "${HUB_AZURITE_PORTS[@]}" "" "$RESULTS/azurite-hub.log" HUB_AZURITE_PID
  log "the task hub's Azurite ready on ${HUB_AZURITE_PORTS[*]} (pid $HUB_AZURITE_PID, in memory)"
fi
case "$mode" in
  latency) run_latency ;;
  throughput) run_throughput ;;
  transactions) run_transactions ;;
  engine-floor) start_proxy txengine; HUB_STORAGE=$PROXY_STORAGE bench engine-transactions --Prefix txengine --Label engine-transactions ;;
  agent) run_agent ;;
  create) run_create ;;
  floor) run_floor ;;
  all) run_latency; run_throughput; run_transactions; run_agent; run_create ;;
esac
cleanup
log "done in $((SECONDS - started)) s; raw results in ${RESULTS#"$ROOT/"}"
dotnet "$BENCH_DLL" report --Results "$RESULTS" --Environment "$(environment_line)" | tee "$RESULTS/summary.md"
discard_binaries

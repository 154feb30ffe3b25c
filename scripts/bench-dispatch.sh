#!/usr/bin/env bash
# Benchmarks of issues 3 and 4 (not tests). Starts its own in-memory Azurite on ports 10500-10502 (the dev system
# uses 10000, the tests 10100, scripts/bench.sh 10200), SelfHost on 10503 and, for transactions, a counting proxy on
# 10510-10513 (control 10519); stops everything it started by PID; writes raw results to bench/results/ and prints
# Markdown tables.
#   scripts/bench-dispatch.sh latency       A: POST -> claim on an idle system, polling fake agent, per engine poll cap
#   scripts/bench-dispatch.sh throughput    B: no-op tasks with fake agents, beside a trivial orchestration on the engine
#   scripts/bench-dispatch.sh transactions  C: storage requests per task, and idle rates, through the counting proxy
#   scripts/bench-dispatch.sh agent         D: the real agent: throughput with 1 and 2 agents, then latency with 1
#   scripts/bench-dispatch.sh all           all of them into one results folder (about 45 minutes)
# Knobs (environment): BENCH_POLLING (engine caps for latency, default "250 100 1000"), BENCH_SAMPLES, BENCH_TASKS,
# BENCH_AGENTS, BENCH_SUBMITTERS, BENCH_TRANSACTIONTASKS, BENCH_IDLESECONDS, BENCH_HOSTIDLESECONDS, BENCH_AGENT_TASKS,
# BENCH_SLOTS (see bench/TaskScheduler.DispatchBench/DispatchBenchOptions.cs).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

AZURITE_PORTS=(10500 10501 10502)
SELFHOST_PORT=10503
PROXY_CONTROL=10519
BENCH_DLL="$ROOT/bench/TaskScheduler.DispatchBench/bin/Release/net10.0/TaskScheduler.DispatchBench.dll"
SELFHOST_DLL="$ROOT/src/SelfHost/bin/Release/net10.0/TaskScheduler.SelfHost.dll"
AGENT_DLL="$ROOT/src/WorkerAgent/bin/Release/net10.0/TaskScheduler.WorkerAgent.dll"
API="http://127.0.0.1:$SELFHOST_PORT/api/"
STORAGE="$(azurite_connection "${AZURITE_PORTS[@]}")"
# Through the proxy: SelfHost's three services, and the agent's queue on a port of its own (counted as the agent's).
PROXY_STORAGE="$(azurite_connection 10510 10511 10512)"
AGENT_PROXY_STORAGE="$(azurite_connection 10510 10513 10512)"
SLOTS=${BENCH_SLOTS:-4}

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

AZURITE_PID="" SELFHOST_PID="" PROXY_PID=""
AGENT_PIDS=()
cleanup() {
  trap - INT TERM EXIT
  stop_agents
  stop_pid "$SELFHOST_PID" TERM
  stop_pid "$PROXY_PID" INT
  stop_pid "$AZURITE_PID" INT
}

build() {
  log "building SelfHost, the agent and the bench (Release)"
  for project in bench/TaskScheduler.DispatchBench/TaskScheduler.DispatchBench.csproj src/WorkerAgent/TaskScheduler.WorkerAgent.csproj; do
    dotnet build "$project" -c Release --nologo -v quiet -clp:"ErrorsOnly;Summary" -warnaserror >/dev/null
  done
}

# bench STEP [--Setting value ...]: one step of the bench program; its log also goes to the results folder.
# The processes it started are named, so a summary can tell their CPU from what the rest of the machine used.
bench() {
  local pids
  pids=$(IFS=,; echo "${AZURITE_PID:-0},${SELFHOST_PID:-0},${PROXY_PID:-0},${AGENT_PIDS[*]}")
  dotnet "$BENCH_DLL" "$@" --Storage "$STORAGE" --BaseUrl "$API" --Results "$RESULTS" \
    --ProxyControl "http://127.0.0.1:$PROXY_CONTROL/" --Pids "$pids" 2>&1 | tee -a "$RESULTS/bench.log"
}

# start_selfhost PREFIX POLLING_MS CONNECTION: the product's SelfHost with its defaults but the engine's poll cap.
start_selfhost() {
  local prefix=$1 polling=$2 connection=$3 url="http://127.0.0.1:$SELFHOST_PORT" code
  if port_open "$SELFHOST_PORT"; then log "port $SELFHOST_PORT is already in use"; return 1; fi
  AzureWebJobsStorage="$connection" SchedulerStorage="$connection" Scheduler__StoragePrefix="$prefix" \
    TaskHubName="${prefix}hub" DurableTask__MaxQueuePollingIntervalMs="$polling" \
    Logging__LogLevel__Default=Warning \
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

stop_selfhost() { stop_pid "$SELFHOST_PID" TERM; SELFHOST_PID=""; }

# start_agents COUNT PREFIX CONNECTION: real agents with their defaults (poll back-off 50 ms -> 1 s), SLOTS slots.
start_agents() {
  local count=$1 prefix=$2 connection=$3 i
  for i in $(seq 1 "$count"); do
    Agent__ApiBaseUrl="$API" Agent__QueueConnection="$connection" Agent__QueuePrefix="$prefix" \
      Agent__Slots="$SLOTS" Agent__WorkDirectory="$RESULTS/agent-work" \
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

run_latency() {
  local polling
  for polling in ${BENCH_POLLING:-250 100 1000}; do
    start_selfhost "lat$polling" "$polling" "$STORAGE"
    log "latency: engine poll cap $polling ms, ${BENCH_SAMPLES:-100} samples with 1-3 s idle gaps"
    bench latency --Prefix "lat$polling" --AgentStorage "$STORAGE" --EnginePollingMs "$polling" --Label "latency-$polling"
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

run_transactions() {
  start_proxy "tx250,tx100,tx1000"
  start_selfhost tx250 250 "$PROXY_STORAGE"
  bench transactions --Prefix tx250 --AgentStorage "$AGENT_PROXY_STORAGE" --Label transactions
  # The fake agent's worker is swept offline ~30 s after it stopped: settle past that.
  start_agents 1 tx250 "$AGENT_PROXY_STORAGE"
  bench idle --Prefix tx250 --Label idle-agent --What "one idle real agent" --SettleSeconds 45
  stop_agents
  stop_selfhost
  local polling
  for polling in 100 1000; do
    start_selfhost "tx$polling" "$polling" "$PROXY_STORAGE"
    bench idle --Prefix "tx$polling" --Label "idle-$polling" --What "SelfHost alone" --EnginePollingMs "$polling"
    stop_selfhost
  done
  stop_pid "$PROXY_PID" INT; PROXY_PID=""
}

run_agent() {
  local count
  for count in 1 2; do
    start_selfhost "ag$count" 250 "$STORAGE"
    start_agents "$count" "ag$count" "$STORAGE"
    log "agent: ${BENCH_AGENT_TASKS:-200} \`true\` tasks with $count real agent(s)"
    bench agent-throughput --Prefix "ag$count" --RealAgents "$count" --Slots "$SLOTS" --Tasks "${BENCH_AGENT_TASKS:-200}" \
      --MaxPollMs 1000 --Label "agent-throughput-$count"
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

mode=${1:-}
case "$mode" in
  latency | throughput | transactions | agent | all) ;;
  *) usage ;;
esac

ensure_azurite
build
RESULTS="$ROOT/bench/results/dispatch-$mode-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS"
trap cleanup INT TERM EXIT
started=$SECONDS
start_azurite "${AZURITE_PORTS[@]}" "" "$RESULTS/azurite.log"
log "Azurite ready on ${AZURITE_PORTS[*]} (pid $AZURITE_PID, in memory); results in ${RESULTS#"$ROOT/"}"
case "$mode" in
  latency) run_latency ;;
  throughput) run_throughput ;;
  transactions) run_transactions ;;
  agent) run_agent ;;
  all) run_latency; run_throughput; run_transactions; run_agent ;;
esac
cleanup
log "done in $((SECONDS - started)) s; raw results in ${RESULTS#"$ROOT/"}"
dotnet "$BENCH_DLL" report --Results "$RESULTS" --Environment "$(environment_line)" | tee "$RESULTS/summary.md"

#!/usr/bin/env bash
# Starts the whole system locally: Azurite (on disk, so data survives restarts), SelfHost on
# http://127.0.0.1:7071/api, and one worker agent. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_azurite
log "building"
dotnet build src/SelfHost/TaskScheduler.SelfHost.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet build src/WorkerAgent/TaskScheduler.WorkerAgent.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null

AZURITE_PID="" SELFHOST_PID="" AGENT_PID=""
cleanup() {
  trap - INT TERM EXIT
  log "stopping"
  stop_pid "$AGENT_PID" TERM
  stop_pid "$SELFHOST_PID" TERM
  stop_pid "$AZURITE_PID" INT
}
trap cleanup INT TERM EXIT

mkdir -p .azurite
start_azurite 10000 10001 10002 "$ROOT/.azurite" "$ROOT/.azurite/azurite.log"
log "Azurite ready (pid $AZURITE_PID, data in .azurite/)"

export AzureWebJobsStorage="UseDevelopmentStorage=true" SchedulerStorage="UseDevelopmentStorage=true"
dotnet src/SelfHost/bin/Release/net10.0/TaskScheduler.SelfHost.dll --urls "${TASKSCHEDULER_URL:-http://127.0.0.1:7071}" &
SELFHOST_PID=$!
for _ in $(seq 1 200); do
  if curl -fs -o /dev/null "${TASKSCHEDULER_URL:-http://127.0.0.1:7071}/api/tasks?limit=1"; then break; fi
  kill -0 "$SELFHOST_PID" 2>/dev/null || { log "SelfHost exited"; exit 1; }
  sleep 0.1
done
"$ROOT/scripts/agent.sh" > "$ROOT/.azurite/agent.log" 2>&1 &
AGENT_PID=$!
log "worker agent started (pid $AGENT_PID, log in .azurite/agent.log); scripts/agent.sh starts another"
echo "TaskScheduler API: ${TASKSCHEDULER_URL:-http://127.0.0.1:7071}/api"
echo "Press Ctrl-C to stop."
wait "$SELFHOST_PID"

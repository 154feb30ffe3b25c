#!/usr/bin/env bash
# Starts the whole system locally: Azurite (on disk, so data survives restarts), SelfHost on
# http://127.0.0.1:7071/api, and one worker agent; prints the admin API key. Ctrl-C stops everything.
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

# Local secrets live beside the data they guard, made once from the kernel's CSPRNG and kept across restarts
# (deleting .azurite/ starts over with new ones): the bootstrap admin key and the HS256 key for scripts/token.sh.
new_secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
for secret in admin.key jwt.key; do
  [ -s ".azurite/$secret" ] || (umask 077 && new_secret > ".azurite/$secret")
done
ADMIN_KEY="$(cat .azurite/admin.key)"
API="${TASKSCHEDULER_URL:-http://127.0.0.1:7071}/api"

export AzureWebJobsStorage="UseDevelopmentStorage=true" SchedulerStorage="UseDevelopmentStorage=true"
export Auth__BootstrapAdminKey="$ADMIN_KEY" Auth__Jwt__SigningKey="$(cat .azurite/jwt.key)"
dotnet src/SelfHost/bin/Release/net10.0/TaskScheduler.SelfHost.dll --urls "${TASKSCHEDULER_URL:-http://127.0.0.1:7071}" &
SELFHOST_PID=$!
for _ in $(seq 1 200); do
  if curl -fs -o /dev/null -H "Authorization: ApiKey $ADMIN_KEY" "$API/tasks?limit=1"; then break; fi
  kill -0 "$SELFHOST_PID" 2>/dev/null || { log "SelfHost exited"; exit 1; }
  sleep 0.1
done

# The agent gets a key of its own with only the workers scope (kept in .azurite/agent.key, which scripts/agent.sh
# reads). An unknown path answers 404 to a valid key and 401 to any other, so that checks a kept key harmlessly.
agent_key_valid() {
  [ -s .azurite/agent.key ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: ApiKey $(cat .azurite/agent.key)" "$API/key-check")" = 404 ]
}
if ! agent_key_valid; then
  reply=$(curl -s -X POST "$API/keys" -H "Authorization: ApiKey $ADMIN_KEY" -H 'Content-Type: application/json' \
    -d '{"name": "local agent (scripts/run.sh)", "scopes": ["workers"], "tier": "internal"}')
  agent_key=$(printf '%s' "$reply" | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
  [ -n "$agent_key" ] || { log "could not create the agent's key: $reply"; exit 1; }
  (umask 077 && printf '%s\n' "$agent_key" > .azurite/agent.key)
  log "created the agent's workers-scoped key (.azurite/agent.key)"
fi
"$ROOT/scripts/agent.sh" > "$ROOT/.azurite/agent.log" 2>&1 &
AGENT_PID=$!
log "worker agent started (pid $AGENT_PID, log in .azurite/agent.log); scripts/agent.sh starts another"
echo "TaskScheduler API: $API"
echo "Dashboard: $API/dashboard/   (sign in with the API key below)"
echo "API key: $ADMIN_KEY"
echo "Press Ctrl-C to stop."
wait "$SELFHOST_PID"

#!/usr/bin/env bash
# Starts the whole system locally: two Azurite emulators (on disk, so data survives restarts: the scheduler's data,
# and the Durable task hub, as the two storage accounts of the deployment), SelfHost on http://127.0.0.1:7071/api,
# and one worker agent; prints the admin API key. Ctrl-C stops everything, in order.
# Usage: scripts/run.sh [--no-build]. Another copy beside this one (tests do that) sets TASKSCHEDULER_URL,
# TASKSCHEDULER_AZURITE_PORTS ("blob queue table", default 10000-10002), TASKSCHEDULER_HUB_AZURITE_PORTS (the task
# hub's, default 10003-10005) and TASKSCHEDULER_DATA (the data folder, default .azurite/; the hub's in its hub/).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
BUILD=1
case "${1:-}" in
  --no-build) BUILD=0 ;;
  "") ;;
  *) echo "usage: scripts/run.sh [--no-build]" >&2; exit 2 ;;
esac
DATA="$LOCAL_DATA" URL="$LOCAL_URL"
BLOB_PORT=${LOCAL_AZURITE_PORTS[0]} QUEUE_PORT=${LOCAL_AZURITE_PORTS[1]} TABLE_PORT=${LOCAL_AZURITE_PORTS[2]}
HUB_DATA="$DATA/hub"
API_PORT=$(printf '%s' "$URL" | sed -n 's#^https\{0,1\}://[^/]*:\([0-9]\{1,5\}\)/*$#\1#p')
[ -n "$API_PORT" ] || { log "TASKSCHEDULER_URL must be http://HOST:PORT, not '$URL'"; exit 2; }
# Running commands get this long after Ctrl-C before the agent stops them (the agent's own default, 30 s, is for servers).
DRAIN_SECONDS=${TASKSCHEDULER_DRAIN_SECONDS:-3}

# Refuse before building anything when a port is taken, naming who holds it.
for named in "$BLOB_PORT:Azurite blob" "$QUEUE_PORT:Azurite queue" "$TABLE_PORT:Azurite table" \
  "${LOCAL_HUB_AZURITE_PORTS[0]}:the task hub's Azurite blob" "${LOCAL_HUB_AZURITE_PORTS[1]}:the task hub's Azurite queue" \
  "${LOCAL_HUB_AZURITE_PORTS[2]}:the task hub's Azurite table" "$API_PORT:the API"; do
  port=${named%%:*}
  if holder=$(port_holder "$port"); then
    log "port $port (${named#*:}) is already in use by $holder: stop it, or choose other ports with" \
      "TASKSCHEDULER_AZURITE_PORTS=\"blob queue table\" / TASKSCHEDULER_HUB_AZURITE_PORTS / TASKSCHEDULER_URL=http://127.0.0.1:PORT"
    exit 1
  fi
done

ensure_azurite
if [ "$BUILD" = 1 ]; then
  ensure_native_toolchain
  log "building"
  dotnet build src/SelfHost/TaskScheduler.SelfHost.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
  dotnet build src/WorkerAgent/TaskScheduler.WorkerAgent.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
fi
SELFHOST_DLL=src/SelfHost/bin/Release/net10.0/TaskScheduler.SelfHost.dll
for dll in "$SELFHOST_DLL" src/WorkerAgent/bin/Release/net10.0/TaskScheduler.WorkerAgent.dll; do
  [ -f "$dll" ] || { log "$dll is missing: run without --no-build"; exit 1; }
done

# The children run in sessions of their own (setsid), so the terminal's Ctrl-C, which goes to its whole foreground
# process group, reaches this script alone. The script then stops them by PID in the order that lets each finish
# cleanly: the agent first (it reports to SelfHost), then SelfHost (it writes to Azurite), then Azurite (it saves
# its files on the way out). A second Ctrl-C kills what is left at once.
AZURITE_PID="" HUB_AZURITE_PID="" SELFHOST_PID="" AGENT_PID=""
seconds_since() { local ms=$(($(date +%s%3N) - $1)); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }
stop_all() {
  local code=$1 started step took=""
  started=$(date +%s%3N)
  set +e # stop everything even when the terminal is gone and a log line cannot be written
  trap kill_all INT TERM HUP
  trap - EXIT
  [ "$code" -ge 128 ] && echo >&2 && log "stopping: the agent, SelfHost, then both Azurites (Ctrl-C again to kill them at once)"
  step=$(date +%s%3N); stop_pid "$AGENT_PID" TERM $((DRAIN_SECONDS + 10)); AGENT_PID=""; took+="agent $(seconds_since "$step")"
  step=$(date +%s%3N); stop_pid "$SELFHOST_PID" TERM 15; SELFHOST_PID=""; took+=", SelfHost $(seconds_since "$step")"
  step=$(date +%s%3N)
  stop_pid "$AZURITE_PID" INT 15 & stop_pid "$HUB_AZURITE_PID" INT 15 & wait
  AZURITE_PID="" HUB_AZURITE_PID=""; took+=", Azurite $(seconds_since "$step")"
  [ "$code" -ge 128 ] && log "stopped in $(seconds_since "$started") s ($took)"
  exit "$code"
}
kill_all() {
  trap '' INT TERM HUP
  local named pid killed="" i
  for named in "agent:$AGENT_PID" "SelfHost:$SELFHOST_PID" "Azurite:$AZURITE_PID" "the task hub's Azurite:$HUB_AZURITE_PID"; do
    pid=${named#*:}
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && killed+="${killed:+,} ${named%%:*} (pid $pid)"
  done
  # SIGKILL takes effect at once but not instantly: wait (briefly) until the ports are free for the next start.
  for ((i = 0; i < 40; i++)); do
    kill -0 "$AGENT_PID" 2>/dev/null || kill -0 "$SELFHOST_PID" 2>/dev/null || kill -0 "$AZURITE_PID" 2>/dev/null ||
      kill -0 "$HUB_AZURITE_PID" 2>/dev/null || break
    sleep 0.05
  done
  # Azurite writes each of its __azurite_db_*.json files whole, to a temporary file it then renames, so a SIGKILL
  # leaves the previous version in place: what was written in the last few seconds (its autosave runs every 5 s)
  # may be lost, but the next start reads the files as they were.
  log "second Ctrl-C: killed${killed:- nothing (all had stopped)} with SIGKILL; the last ~5 s of writes to Azurite may be lost"
  exit 137
}
trap 'stop_all 130' INT
trap 'stop_all 143' TERM
trap 'stop_all 129' HUP
trap 'stop_all $?' EXIT

mkdir -p "$DATA" "$HUB_DATA"
if ! start_azurite "${LOCAL_HUB_AZURITE_PORTS[@]}" "$HUB_DATA" "$HUB_DATA/azurite.log" HUB_AZURITE_PID; then
  log "(if it could not read one of $HUB_DATA/__azurite_db_*.json, move $DATA aside to start empty)"
  exit 1
fi
log "the task hub's Azurite ready (pid $HUB_AZURITE_PID, data in ${HUB_DATA#"$ROOT"/}/)"
if ! start_azurite "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT" "$DATA" "$DATA/azurite.log"; then
  log "(if it could not read one of $DATA/__azurite_db_*.json, move $DATA aside to start empty)"
  exit 1
fi
log "Azurite ready (pid $AZURITE_PID, data in ${DATA#"$ROOT"/}/)"

# Local secrets live beside the data they guard, made once from the kernel's CSPRNG and kept across restarts
# (deleting .azurite/ starts over with new ones): the bootstrap admin key and the HS256 key for scripts/token.sh.
new_secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
for secret in admin.key jwt.key; do
  [ -s "$DATA/$secret" ] || (umask 077 && new_secret > "$DATA/$secret")
done
ADMIN_KEY="$(cat "$DATA/admin.key")"
API="$URL/api"

export AzureWebJobsStorage="$LOCAL_HUB_STORAGE" SchedulerStorage="$LOCAL_STORAGE"
export Auth__BootstrapAdminKey="$ADMIN_KEY" Auth__Jwt__SigningKey="$(cat "$DATA/jwt.key")"
setsid dotnet "$SELFHOST_DLL" --urls "$URL" &
SELFHOST_PID=$!
deadline=$((SECONDS + 120))
until curl -fs -o /dev/null -m 5 -H "Authorization: ApiKey $ADMIN_KEY" "$API/tasks?limit=1"; do
  kill -0 "$SELFHOST_PID" 2>/dev/null || { log "SelfHost exited during start-up (its output is above)"; SELFHOST_PID=""; exit 1; }
  [ "$SECONDS" -lt "$deadline" ] || { log "SelfHost did not answer on $API within 120 s"; exit 1; }
  sleep 0.1
done
log "SelfHost ready (pid $SELFHOST_PID)"

# The agent gets a key of its own with only the workers scope (kept in agent.key, which scripts/agent.sh
# reads). An unknown path answers 404 to a valid key and 401 to any other, so that checks a kept key harmlessly.
agent_key_valid() {
  [ -s "$DATA/agent.key" ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: ApiKey $(cat "$DATA/agent.key")" "$API/key-check")" = 404 ]
}
if ! agent_key_valid; then
  reply=$(curl -s -X POST "$API/keys" -H "Authorization: ApiKey $ADMIN_KEY" -H 'Content-Type: application/json' \
    -d '{"name": "local agent (scripts/run.sh)", "scopes": ["workers"], "tier": "internal"}')
  agent_key=$(printf '%s' "$reply" | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
  [ -n "$agent_key" ] || { log "could not create the agent's key: $reply"; exit 1; }
  (umask 077 && printf '%s\n' "$agent_key" > "$DATA/agent.key")
  log "created the agent's workers-scoped key (${DATA#"$ROOT"/}/agent.key)"
fi
Agent__DrainTimeoutSeconds="${Agent__DrainTimeoutSeconds:-$DRAIN_SECONDS}" \
  setsid "$ROOT/scripts/agent.sh" > "$DATA/agent.log" 2>&1 &
AGENT_PID=$!
log "worker agent started (pid $AGENT_PID, log in ${DATA#"$ROOT"/}/agent.log); scripts/agent.sh starts another"
echo "TaskScheduler API: $API"
echo "Dashboard: $API/dashboard/   (sign in with the API key below)"
echo "API key: $ADMIN_KEY"
echo "Press Ctrl-C to stop."

# Until Ctrl-C, or until an Azurite or SelfHost dies on its own (then the rest is stopped too).
code=0
wait -n "$AZURITE_PID" "$HUB_AZURITE_PID" "$SELFHOST_PID" || code=$?
for named in "Azurite:$AZURITE_PID" "the task hub's Azurite:$HUB_AZURITE_PID" "SelfHost:$SELFHOST_PID"; do
  pid=${named##*:}
  kill -0 "$pid" 2>/dev/null || log "${named%:*} (pid $pid) exited on its own (code $code); stopping the rest"
done
exit $((code == 0 ? 1 : code))

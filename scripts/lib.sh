# Shared by the scripts: the repo root, the pinned Azurite, and starting/stopping it by PID.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AZURITE_DIR="$ROOT/tools/azurite"
AZURITE_BIN="$AZURITE_DIR/node_modules/.bin/azurite"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# The well-known Azurite account key (public, emulator only) and a connection string for given ports.
azurite_connection() { # blob queue table
  printf 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:%s/devstoreaccount1;QueueEndpoint=http://127.0.0.1:%s/devstoreaccount1;TableEndpoint=http://127.0.0.1:%s/devstoreaccount1;' "$1" "$2" "$3"
}

# The local system scripts/run.sh starts (and scripts/agent.sh and scripts/token.sh serve): its data folder, the ports
# of its two emulators and the API's URL. Like the deployment (infra/main.bicep: stdata and sthub), the scheduler's
# data (tables, dispatch queues) and the Durable task hub live in two storage accounts, here two Azurite processes:
# each is single-threaded, and on one of them every queue call pays for the messages stored in the other's queues.
# Each can be moved, so that a second copy (the run.sh tests) runs beside the first.
LOCAL_DATA="${TASKSCHEDULER_DATA:-$ROOT/.azurite}"
read -r -a LOCAL_AZURITE_PORTS <<<"${TASKSCHEDULER_AZURITE_PORTS:-10000 10001 10002}"
read -r -a LOCAL_HUB_AZURITE_PORTS <<<"${TASKSCHEDULER_HUB_AZURITE_PORTS:-10003 10004 10005}"
LOCAL_URL="${TASKSCHEDULER_URL:-http://127.0.0.1:7071}"
LOCAL_STORAGE="$(azurite_connection "${LOCAL_AZURITE_PORTS[@]}")"
LOCAL_HUB_STORAGE="$(azurite_connection "${LOCAL_HUB_AZURITE_PORTS[@]}")"

ensure_azurite() {
  if [ ! -x "$AZURITE_BIN" ]; then
    log "installing Azurite (pinned in tools/azurite/package-lock.json)"
    (cd "$AZURITE_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# The browser tests drive Debian's Chromium (never a downloaded one). We run as root on a Debian machine; the package
# index is fetched only when the package is unknown to it.
CHROMIUM_BIN="${TASKSCHEDULER_CHROMIUM:-/usr/bin/chromium}"
ensure_chromium() {
  [ -x "$CHROMIUM_BIN" ] && return 0
  log "installing chromium (Debian package) for the dashboard's browser tests"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null
  fi
  [ -x "$CHROMIUM_BIN" ] || { log "chromium is still missing at $CHROMIUM_BIN"; return 1; }
}

# Release builds of the agent publish its per-command supervisor with Native AOT, which links with clang (any of
# Debian's versioned clang-N will do). Installed like chromium when the machine has none.
have_clang() { compgen -c | grep -E '^clang(-[0-9]+)?$' >/dev/null; }
ensure_native_toolchain() {
  have_clang && return 0
  log "installing clang (Debian package) to link the agent's native supervisor"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends clang >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && apt-get install -y --no-install-recommends clang >/dev/null
  fi
  have_clang || { log "clang is still missing"; return 1; }
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# What holds a listening TCP port, e.g. "pid 2710 (node)", from ss (or "a process" when ss cannot say); fails when
# nothing listens there.
port_holder() {
  local port=$1 line
  if command -v ss >/dev/null 2>&1; then
    line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n 1)
    [ -n "$line" ] || return 1
    if [[ $line =~ \(\(\"([^\"]*)\",pid=([0-9]+) ]]; then
      printf 'pid %s (%s)' "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}"
    else
      printf 'a process ss does not name'
    fi
  else
    port_open "$port" && printf 'a process'
  fi
}

# start_azurite BLOB QUEUE TABLE LOCATION|"" LOGFILE [PIDVAR] -> sets PIDVAR (default AZURITE_PID) to the emulator's
# PID as soon as it is started (so a trap can stop it), and clears it again if the start fails. LOCATION empty = in memory. --skipApiVersionCheck: the current SDKs send newer API versions than 3.37 knows.
start_azurite() {
  local blob=$1 queue=$2 table=$3 location=$4 logfile=$5 pid_var=${6:-AZURITE_PID} mode
  local holder started_pid
  for p in "$blob" "$queue" "$table"; do
    if holder=$(port_holder "$p"); then log "port $p is already in use by $holder (another Azurite?)"; return 1; fi
  done
  if [ -n "$location" ]; then mkdir -p "$location"; mode=(--location "$location"); else mode=(--inMemoryPersistence); fi
  # In a session of its own, so a Ctrl-C meant for the script reaches the script only; it stops Azurite by PID, last.
  # AZURITE_CPU_PROFILE=DIR: a V8 CPU profile of the emulator, written to DIR when it stops (what a benchmark spends
  # Azurite's one core on).
  local launcher=("$AZURITE_BIN")
  if [ -n "${AZURITE_CPU_PROFILE:-}" ]; then
    mkdir -p "$AZURITE_CPU_PROFILE"
    launcher=(node --cpu-prof --cpu-prof-dir="$AZURITE_CPU_PROFILE" "$(readlink -f "$AZURITE_BIN")")
  fi
  setsid "${launcher[@]}" --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --blobPort "$blob" --queuePort "$queue" --tablePort "$table" \
    "${mode[@]}" --skipApiVersionCheck --loose --silent --disableTelemetry >"$logfile" 2>&1 &
  started_pid=$!
  printf -v "$pid_var" '%s' "$started_pid"
  for _ in $(seq 1 400); do
    if ! kill -0 "$started_pid" 2>/dev/null; then
      local code=0; wait "$started_pid" 2>/dev/null || code=$?
      log "Azurite exited during start-up (code $code); its log, $logfile:"
      sed 's/^/    /' "$logfile" >&2; printf -v "$pid_var" '%s' ""; return 1
    fi
    if port_open "$blob" && port_open "$queue" && port_open "$table"; then return 0; fi
    sleep 0.05
  done
  log "Azurite did not open its ports in 20 s"; return 1
}

# stop_pid PID [SIGNAL] [SECONDS]: signals PID and waits for it to go (so its ports are free again), then SIGKILLs it
# and says so. SIGINT stops Azurite in ~2 s (SIGTERM waits for keep-alive sockets).
stop_pid() {
  local pid=$1 signal=${2:-INT} seconds=${3:-10} i
  [ -n "$pid" ] || return 0
  kill -"$signal" "$pid" 2>/dev/null || return 0
  for ((i = 0; i < seconds * 20; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
  log "pid $pid did not stop within $seconds s of SIG$signal: killed it (SIGKILL)"
  kill -9 "$pid" 2>/dev/null || true
}

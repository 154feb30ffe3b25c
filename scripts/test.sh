#!/usr/bin/env bash
# Runs every test: builds the solution (Functions app included, warnings are errors), starts its own in-memory
# Azurite on test ports for each test project (a fresh emulator per suite keeps queue scans fast), runs the suite,
# and checks the Bicep. Installs what it needs first: Azurite (npm, pinned) and Chromium (Debian's package) for the
# dashboard's browser tests. Usage: scripts/test.sh [dotnet test filter]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
FILTER=${1:-}
PORTS=(${TASKSCHEDULER_TEST_PORTS:-10100 10101 10102})
RESULTS="$ROOT/artifacts/test-results"
mkdir -p "$RESULTS"

ensure_azurite
ensure_chromium
ensure_native_toolchain
log "building (Release)"
dotnet build TaskScheduler.sln -c Release --nologo -v quiet -clp:"ErrorsOnly;Summary" -warnaserror

AZURITE_PID=""
trap 'stop_pid "$AZURITE_PID" INT' EXIT
trap 'exit 130' INT TERM  # Azurite runs in a session of its own (start_azurite): a Ctrl-C reaches it through the EXIT trap
export TASKSCHEDULER_TEST_STORAGE
TASKSCHEDULER_TEST_STORAGE="$(azurite_connection "${PORTS[@]}")"

failed=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  start_azurite "${PORTS[@]}" "" "$RESULTS/azurite-$name.log"
  log "testing $name"
  args=(test "$project" -c Release --no-build --nologo --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS")
  [ -n "$FILTER" ] && args+=(--filter "$FILTER")
  if ! dotnet "${args[@]}"; then failed=1; fi
  stop_pid "$AZURITE_PID" INT; AZURITE_PID=""
done

if [ -x scripts/check-infra.sh ]; then
  log "checking infra (bicep build + lint)"
  scripts/check-infra.sh || failed=1
fi

if [ "$failed" -ne 0 ]; then log "FAILED"; exit 1; fi
log "all tests passed"

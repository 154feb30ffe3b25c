#!/usr/bin/env bash
# Starts one more worker agent against the system scripts/run.sh runs (for trying scale and crashes by hand).
# Any argument is passed to the agent, e.g.: scripts/agent.sh --Agent:Slots=4 --Agent:Tags:0=gpu
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
if [ ! -f src/WorkerAgent/bin/Release/net10.0/TaskScheduler.WorkerAgent.dll ]; then
  ensure_native_toolchain
  dotnet build src/WorkerAgent/TaskScheduler.WorkerAgent.csproj -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
fi
export Agent__ApiBaseUrl="${Agent__ApiBaseUrl:-$LOCAL_URL/api/}"
export Agent__QueueConnection="${Agent__QueueConnection:-$LOCAL_STORAGE}"
if [ -z "${Agent__ApiKey:-}" ] && [ -f "$LOCAL_DATA/agent.key" ]; then export Agent__ApiKey="$(cat "$LOCAL_DATA/agent.key")"; fi
exec dotnet src/WorkerAgent/bin/Release/net10.0/TaskScheduler.WorkerAgent.dll "$@"

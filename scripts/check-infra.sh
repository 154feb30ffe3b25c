#!/usr/bin/env bash
# Builds and lints the Bicep templates offline and fails on any diagnostic at all.
# The Bicep CLI comes from NuGet (tools/bicep/Bicep.csproj), the one registry these machines reach.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tool_project="$repo_root/tools/bicep/Bicep.csproj"
template="$repo_root/infra/main.bicep"
started_us=${EPOCHREALTIME/[^0-9]/}

bicep_version="$(sed -n 's:.*<BicepVersion>\(.*\)</BicepVersion>.*:\1:p' "$tool_project")"
if [[ -z "$bicep_version" ]]; then
  echo "check-infra: no <BicepVersion> in $tool_project" >&2
  exit 1
fi
# Keyed by version, so bumping <BicepVersion> is enough to fetch the new CLI.
bicep="$repo_root/tools/bicep/.packages/azure.bicep.commandline.linux-x64/$bicep_version/tools/bicep"

if [[ ! -x "$bicep" ]]; then
  if ! restore_output="$(dotnet restore "$tool_project" 2>&1)"; then
    printf '%s\n' "$restore_output" >&2
    echo "check-infra: FAILED to restore Bicep CLI $bicep_version" >&2
    exit 1
  fi
  # Older NuGet clients drop the execute bit when extracting.
  chmod +x "$bicep"
fi

out_dir="$(mktemp -d)"
trap 'rm -rf "$out_dir"' EXIT

failed=0
# A clean build or lint prints nothing: any output is a diagnostic, and lint exits 0 on warnings.
run_bicep() {
  local command="$1" output status=0
  output="$("$bicep" "$@" 2>&1)" || status=$?
  if ((status != 0)) || [[ -n "$output" ]]; then
    printf '%s\n' "$output" >&2
    echo "check-infra: bicep $command reported diagnostics (exit $status)" >&2
    failed=1
  fi
}

run_bicep build "$template" --outdir "$out_dir"
run_bicep lint "$template"

files=$(find "$repo_root/infra" -name '*.bicep' | wc -l)
elapsed_ms=$(((${EPOCHREALTIME/[^0-9]/} - started_us) / 1000))
elapsed="$((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100))s"
if ((failed)); then
  echo "check-infra: FAILED - bicep $bicep_version, $files files, $elapsed" >&2
  exit 1
fi
echo "check-infra: OK - bicep $bicep_version built and linted infra/main.bicep ($files files), 0 diagnostics, $elapsed"

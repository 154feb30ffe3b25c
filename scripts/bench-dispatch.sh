#!/usr/bin/env bash
# The dispatch benchmarks' old name, kept for the commands bench/README.md quotes: scripts/bench.sh MODE.
exec "$(dirname "$0")/bench.sh" "$@"

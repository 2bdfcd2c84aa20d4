#!/usr/bin/env bash
# bench.sh runs every benchmark of the library module; its arguments go to go test
# (for example -count 10 for benchstat, or -bench Spawn to narrow the set).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

step "go test -run '^\$' -bench . -benchmem $* ./..."
go test -run '^$' -bench . -benchmem "$@" ./...

#!/usr/bin/env bash
# test.sh is the whole check CI runs: fmt.sh, lint.sh, then every module's tests under -race,
# once on the platform's default backend and once with the portable poll(2) backend forced,
# then the main module's tests once more without -race (the build that ships, whose fences and
# release stores differ: internal/hubapi, internal/atomicx), and last a few seconds of each fuzz
# target (the seeds run with the tests already).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

bash ci/fmt.sh
bash ci/lint.sh
# The first run must see the default backend, whatever the caller's environment says.
unset GEVENT_BACKEND
each_module go test -race -count=1 -timeout 10m ./...
each_module env GEVENT_BACKEND=poll go test -race -count=1 -timeout 10m ./...
step "go test -count=1 -timeout 10m ./... (without -race)"
go test -count=1 -timeout 10m ./...
# FUZZTIME is how long each fuzz target runs (go test's -fuzztime). The default is a count of
# executions, not a duration: with a duration, Go 1.26's fuzz coordinator may fail a target with
# a bare "context deadline exceeded" when -fuzztime expires while a worker is mid-call on a loaded
# machine (golang/go#75804, fixed in Go 1.27), which CI hit once. 30000 runs are 2–6 s here.
fuzztime=${FUZZTIME:-30000x}
for spec in socket:FuzzParseResolvConf socket:FuzzParseHosts socket:FuzzAnswer httpserver:FuzzReadRequest; do
  pkg=./${spec%%:*} target=${spec#*:}
  step "go test -run '^\$' -fuzz '^$target\$' -fuzztime $fuzztime $pkg"
  go test -run '^$' -fuzz "^$target\$" -fuzztime "$fuzztime" "$pkg"
done

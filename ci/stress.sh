#!/usr/bin/env bash
# stress.sh runs every module's tests on a loaded machine: BURNERS processes (default 16) spin on
# the CPU while `go test -count=3 -p 4 ./...` runs in each module, so that a test which holds
# only on an idle machine (a wall-clock bound, a count of ticks, a read of state that another
# goroutine has not written yet) fails here. It is not part of ci/test.sh: it loads the machine
# for many minutes. Its arguments go to go test after those flags (for example -race, or
# -run TestX); PACKAGES (packages of the main module; default ./... in every module) narrows the
# run, COUNT and PROCS change -count and -p.
#
#   bash ci/stress.sh                              # the full run
#   BURNERS=4 PACKAGES=./socket bash ci/stress.sh -run TestDeadlines
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

burners=${BURNERS:-16}
burner_pids=()
stop_burners() {
  if ((${#burner_pids[@]} > 0)); then
    kill "${burner_pids[@]}" 2>/dev/null || true
    wait "${burner_pids[@]}" 2>/dev/null || true
  fi
}
trap stop_burners EXIT

step "starting $burners CPU burners"
for ((i = 0; i < burners; i++)); do
  (while :; do :; done) &
  burner_pids+=($!)
done

flags=(-count="${COUNT:-3}" -p "${PROCS:-4}" -timeout 30m "$@")
if [[ -n ${PACKAGES:-} ]]; then
  step "go test ${flags[*]} $PACKAGES"
  # shellcheck disable=SC2086 # PACKAGES is a list of patterns
  go test "${flags[@]}" $PACKAGES
else
  each_module go test "${flags[@]}" ./...
fi

#!/usr/bin/env bash
# fmt.sh fails, listing them, if gofmt -s would change any Go file that the go command builds.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

step "gofmt -s -l"
# Skip what the go command skips: testdata, vendor, and names starting with "." or "_".
unformatted=$(find . -mindepth 1 \( -name testdata -o -name vendor -o -name '.*' -o -name '_*' \) -prune \
  -o -type f -name '*.go' -print0 | xargs -0 -r gofmt -s -l)
if [[ -n $unformatted ]]; then
  printf 'gofmt -s would change these files; run gofmt -s -w on them:\n%s\n' "$unformatted" >&2
  exit 1
fi

#!/usr/bin/env bash
# h1spec.sh runs uNetworking's h1spec conformance suite (33 raw-socket HTTP/1.1 cases, run by
# Deno) against each server of the HTTP comparison in echo mode: it starts the server on
# 127.0.0.1 (a free port; GOMAXPROCS=1, one hub/loop, not pinned), runs
#   deno run --allow-net PATH-TO-H1SPEC/http_test.ts 127.0.0.1 PORT
# stops the server, and goes on with the next. stdout gets, per server, the count passed and
# the cases that failed with what the suite saw, then a markdown table: one row per case, one
# column per server. The suite's full output goes to stderr.
#
# h1spec is not part of this repository, nor fetched by this script: get a copy of
# github.com/uNetworking/h1spec yourself and pass its directory. Deno: `deno` on PATH, or the
# binary in $DENO (e.g. `npm install deno` somewhere, then DENO=$PWD/node_modules/.bin/deno).
#
# Usage: bash bench/http/h1spec.sh [--only NAME[,NAME…]] PATH-TO-H1SPEC
#   --only   servers, from: hello (ours: bench/http/geventhello -echo), pywsgi, net, fasthttp,
#            nbio (default: all of them)
# The suite gives each case 500 ms to answer (or, for the fragmented requests, to stay silent);
# on a loaded machine a slow answer can fail a case: rerun before trusting a single failure.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../../ci/lib.sh
source "$(dirname "$0")/../../ci/lib.sh" # moves to the repository root
# shellcheck source=SCRIPTDIR/lib.sh
source bench/http/lib.sh
# shellcheck disable=SC2016 # the backquotes are markdown
label[hello]='`httpserver` (geventhello)'

only=hello,pywsgi,net,fasthttp,nbio
spec=
usage="usage: bench/http/h1spec.sh [--only hello,pywsgi,net,fasthttp,nbio] PATH-TO-H1SPEC"
while [[ $# -gt 0 ]]; do
  case $1 in
    --only)
      [[ $# -ge 2 ]] || { echo "$1 needs a value; $usage" >&2 && exit 2; }
      only=$2
      shift
      ;;
    --only=*) only=${1#--only=} ;;
    -h | --help)
      sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"
      exit 0
      ;;
    -*)
      echo "$usage" >&2
      exit 2
      ;;
    *) spec=$1 ;;
  esac
  shift
done
[[ -n $spec ]] || { echo "$usage" >&2 && exit 2; }
spec=$(cd "$spec" 2>/dev/null && pwd) || die "no such directory: $spec"
[[ -f $spec/http_test.ts ]] || die "$spec has no http_test.ts: pass the directory of a copy of github.com/uNetworking/h1spec"
deno=${DENO:-deno}
"$deno" --version >/dev/null 2>&1 || die "cannot run deno ($deno): put it on PATH or set DENO (npm install deno)"
IFS=, read -ra wanted <<<"$only"
build_servers 1 "${wanted[@]}"

declare -A passed=() result=() # result[NAME/CASE] = ✅ or ❌
# The cases, in the suite's order (the suite runs them in parallel and prints as they finish).
mapfile -t cases < <(sed -n 's/^ *description: "\(.*\)",\{0,1\}$/\1/p' "$spec/http_test.ts")
((${#cases[@]} > 0)) || die "found no test case descriptions in $spec/http_test.ts"
for name in "${wanted[@]}"; do
  [[ -n ${note[$name]-} ]] && continue
  port=$(free_port)
  echo "+ $name: h1spec on 127.0.0.1:$port" >&2
  start_server "$name" "$port" 1 1 ""
  out=$tmp/$name.h1spec
  # The suite exits 1 when a case fails; its verdict is in the output.
  (cd "$spec" && NO_COLOR=1 "$deno" run --allow-net http_test.ts 127.0.0.1 "$port") >"$out" 2>&1 </dev/null || true
  stop_server
  cat "$out" >&2
  passed[$name]=$(sed -n 's/^\([0-9]*\) out of \([0-9]*\) tests passed\./\1\/\2/p' "$out")
  [[ -n ${passed[$name]} ]] || die "h1spec printed no summary against $name (output above)"
  echo "$name: ${passed[$name]} passed"
  while IFS= read -r line; do
    mark=${line%% *}
    rest=${line#* }
    desc=${rest%%: *}
    result[$name/$desc]=$mark
    [[ $mark == ❌ ]] && echo "  failed: $rest"
  done < <(grep -E '^(✅|❌) ' "$out")
done

ran=()
for name in "${wanted[@]}"; do
  [[ -n ${note[$name]-} ]] || ran+=("$name")
done
echo
printf '| case |'
for name in "${ran[@]}"; do printf ' %s |' "${label[$name]}"; done
printf '\n|---|'
for name in "${ran[@]}"; do printf -- '---|'; done
echo
printf '| **passed** |'
for name in "${ran[@]}"; do printf ' **%s** |' "${passed[$name]}"; done
echo
# A case that printed no verdict (an exception in the suite) counts as failed.
for desc in "${cases[@]}"; do
  printf '| %s |' "$desc"
  for name in "${ran[@]}"; do printf ' %s |' "${result[$name/$desc]:-❌ (no verdict)}"; done
  echo
done
for name in "${!note[@]}"; do
  echo
  echo "Not run: ${label[$name]}: ${note[$name]}."
done

#!/usr/bin/env bash
# handoff.sh measures issue 8's hand-off targets side by side, with prebuilt test binaries run in
# interleaved rounds so that a shared machine's drift hits every build alike:
#   - BenchmarkQueueHandoff against BenchmarkGoChanHandoff, in the same process run (and
#     BenchmarkQueueHandoffFuncs, the same through func values, as ChannelHandoff calls its Channel);
#   - BenchmarkChannelHandoff and BenchmarkSleep0PingPong against a baseline revision (default
#     dec214a, the code of the day issue 8 was filed).
# It prints a markdown report on stdout (the command, the machine, min and median ns/op of each
# benchmark per build, and the ratios); progress goes to stderr.
#
# usage: bench/handoff.sh [--rounds N] [--benchtime D] [--base REV] [--pin CPU]
#   --rounds N     interleaved rounds (default 12)
#   --benchtime D  -test.benchtime of each run (default 500ms)
#   --base REV     the baseline revision (default dec214a)
#   --pin CPU      run every binary under taskset -c CPU (then GOMAXPROCS is 1)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../ci/lib.sh
source "$(dirname "$0")/../ci/lib.sh"

rounds=12 benchtime=500ms base=dec214a pin=
while (($#)); do
  case $1 in
  --rounds) rounds=$2 ;;
  --benchtime) benchtime=$2 ;;
  --base) base=$2 ;;
  --pin) pin=$2 ;;
  *)
    echo "usage: bench/handoff.sh [--rounds N] [--benchtime D] [--base REV] [--pin CPU]" >&2
    exit 2
    ;;
  esac
  shift 2
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "handoff.sh: --rounds wants a positive number" >&2; exit 2; }
git rev-parse --verify -q "$base^{commit}" >/dev/null || { echo "handoff.sh: unknown revision $base" >&2; exit 2; }

tmp=$(mktemp -d)
cleanup() {
  git worktree remove --force "$tmp/base" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "building the work tree and $base" >&2
go test -c -o "$tmp/queue.now" ./queue
go test -c -o "$tmp/root.now" .
git worktree add -q --detach "$tmp/base" "$base"
(cd "$tmp/base" && go test -c -o "$tmp/queue.base" ./queue && go test -c -o "$tmp/root.base" .)

run=()
[[ -n $pin ]] && run=(taskset -c "$pin")
# bench BUILD BINARY REGEX appends "benchmark build ns/op" lines to $tmp/raw.
bench() {
  "${run[@]}" "$tmp/$2.$1" -test.run '^$' -test.bench "$3" -test.benchtime "$benchtime" |
    awk -v build="$1" '/^Benchmark/ { name = $1; sub(/-[0-9]+$/, "", name); print name, build, $3 }' >>"$tmp/raw"
}
: >"$tmp/raw"
for ((r = 1; r <= rounds; r++)); do
  echo "round $r of $rounds" >&2
  for build in now base; do
    bench "$build" queue '^Benchmark(QueueHandoff|QueueHandoffFuncs|GoChanHandoff|ChannelHandoff)$'
    bench "$build" root '^BenchmarkSleep0PingPong$'
  done
done

cat <<EOF
- Command: \`bash bench/handoff.sh --rounds $rounds --benchtime $benchtime --base $base${pin:+ --pin $pin}\`
- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); work tree at $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)'), baseline $(git rev-parse --short "$base")
- $(go version); CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores${pin:+, pinned to CPU $pin}

| benchmark | build | min ns/op | median ns/op | runs |
|---|---|---:|---:|---:|
EOF
# stats NAME BUILD prints "min median count" of the benchmark's runs in the build.
stats() {
  awk -v n="$1" -v b="$2" '$1 == n && $2 == b { print $3 }' "$tmp/raw" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR) printf "%s %s %d\n", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), NR }'
}
declare -A min med
for name in BenchmarkQueueHandoff BenchmarkQueueHandoffFuncs BenchmarkGoChanHandoff BenchmarkChannelHandoff BenchmarkSleep0PingPong; do
  for build in now base; do
    read -r lo mid n < <(stats "$name" "$build") || continue
    min[$name.$build]=$lo med[$name.$build]=$mid
    printf '| %s | %s | %.1f | %.1f | %d |\n' "${name#Benchmark}" "$build" "$lo" "$mid" "$n"
  done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
q=BenchmarkQueueHandoff f=BenchmarkQueueHandoffFuncs g=BenchmarkGoChanHandoff c=BenchmarkChannelHandoff s=BenchmarkSleep0PingPong
echo
echo "- QueueHandoff / GoChanHandoff (work tree): $(ratio "${med[$q.now]}" "${med[$g.now]}") by medians, $(ratio "${min[$q.now]}" "${min[$g.now]}") by minima (target ≤ 1)."
# The ratio within each run of the work tree's queue binary (both benchmarks in one process).
per_run=$(awk -v q="$q" -v g="$g" '$2 == "now" && $1 == q { a[++n] = $3 } $2 == "now" && $1 == g { b[++m] = $3 }
  END { for (i = 1; i <= n && i <= m; i++) print a[i] / b[i] }' "$tmp/raw" | sort -g |
  awk '{ v[NR] = $1 } END { if (NR) printf "median %.3f, best %.3f, worst %.3f over %d runs", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR], NR }')
echo "- QueueHandoff / GoChanHandoff within each run (work tree): $per_run."
[[ -n ${med[$f.now]-} ]] && echo "- QueueHandoffFuncs / GoChanHandoff (work tree): $(ratio "${med[$f.now]}" "${med[$g.now]}") by medians, $(ratio "${min[$f.now]}" "${min[$g.now]}") by minima."
echo "- ChannelHandoff work tree / $base: $(ratio "${med[$c.now]}" "${med[$c.base]}") by medians, $(ratio "${min[$c.now]}" "${min[$c.base]}") by minima (target ≤ 1.10)."
echo "- Sleep0PingPong work tree / $base: $(ratio "${med[$s.now]}" "${med[$s.base]}") by medians, $(ratio "${min[$s.now]}" "${min[$s.base]}") by minima (target ≤ 1.10)."

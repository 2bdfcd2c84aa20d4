#!/usr/bin/env bash
# core.sh runs the core Go benchmarks and bench/gevent_core.py in one go and prints, on stdout,
# a markdown report ready for bench/RESULTS.md: how it was made, then one row per benchmark.
# Progress and the raw outputs go to stderr. --quick shortens both halves (for a smoke test).
set -euo pipefail
# shellcheck source=SCRIPTDIR/../ci/lib.sh
source "$(dirname "$0")/../ci/lib.sh"

python=/usr/bin/python3
if ! "$python" -c 'import gevent' 2>/dev/null; then
  echo "core.sh: $python cannot import gevent; install it with: apt-get install python3-gevent" >&2
  exit 1
fi

py_args=()
go_args=()
if [[ ${1-} == --quick ]]; then
  py_args=(--quick)
  go_args=(-benchtime 100ms)
elif [[ $# -gt 0 ]]; then
  echo "usage: bench/core.sh [--quick]" >&2
  exit 2
fi

# Each entry: a package directory, then the benchmarks (without "Benchmark") it must define.
suites=(
  ". Sleep0PingPong SpawnJoin TimerSleep IWait1000"
  "./queue QueueHandoff GoChanHandoff ChannelHandoff"
  "./event EventPingPong CrossHubAsyncResult"
  "./lock SemaphoreUncontended"
  "./local LocalGet"
)

# shell_words prints its arguments as a command line, quoting the words that need it.
shell_words() {
  local word words=()
  for word; do
    if [[ $word =~ ^[[:alnum:]_./=:+-]+$ ]]; then words+=("$word"); else words+=("'$word'"); fi
  done
  echo "${words[*]}"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

commands=()
: >"$tmp/go.txt"
for suite in "${suites[@]}"; do
  read -r pkg names <<<"$suite"
  if ! compgen -G "$pkg/*.go" >/dev/null; then
    echo "core.sh: skipping $pkg: no Go package there yet" >&2
    continue
  fi
  cmd=(go test -run '^$' -bench "^Benchmark(${names// /|})\$" -benchmem -count 1 "${go_args[@]}" "$pkg")
  commands+=("$(shell_words "${cmd[@]}")")
  echo "+ ${commands[-1]}" >&2
  "${cmd[@]}" | tee -a "$tmp/go.txt" >&2
done

cmd=("$python" bench/gevent_core.py "${py_args[@]}")
commands+=("$(shell_words "${cmd[@]}")")
echo "+ ${commands[-1]}" >&2
"${cmd[@]}" | tee "$tmp/py.txt" >&2

py_version=$("$python" -c 'import platform, gevent, greenlet
hub = gevent.get_hub()
print("CPython %s, gevent %s (greenlet %s, %s loop, %s)" % (platform.python_version(),
      gevent.__version__, greenlet.__version__, type(hub.loop).__module__, hub.loop.backend))')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
# shellcheck disable=SC2016 # the backquotes are markdown
ran=$(printf '  - `%s`\n' "${commands[@]}")

cat <<EOF
### Core: gevent vs Go

- Command: \`bash bench/core.sh${*:+ $*}\`, which ran:
$ran
- Date: $(date -u '+%Y-%m-%d %H:%M UTC')
- Go: $(go version), GOMAXPROCS ${GOMAXPROCS:-unset}
- Python: $py_version
- CPU: $cpu, $(nproc) cores

| benchmark | gevent ns/op | Go ns/op | Go allocs/op | speed-up (gevent/Go) |
|---|---:|---:|---:|---:|
EOF

# The first file holds "Name ns_per_op" lines from Python, in the order of the table. The
# second holds go test output, where a result line reads
# "BenchmarkName-N  iterations  X ns/op  [Y B/op  Z allocs/op  ...]".
awk '
  FNR == NR { order[++n] = $1; gevent[$1] = $2; next }
  /^Benchmark/ {
    name = $1
    sub(/^Benchmark/, "", name)
    sub(/-[0-9]+$/, "", name)
    if (!(name in seen)) { seen[name] = 1; goorder[++m] = name }
    for (i = 3; i <= NF; i++) {
      if ($i == "ns/op") gons[name] = $(i - 1)
      if ($i == "allocs/op") goallocs[name] = $(i - 1)
    }
  }
  END {
    for (i = 1; i <= n; i++) {
      b = order[i]
      if (b in gons)
        printf "| %s | %s | %s | %s | %.1f× |\n", b, gevent[b], gons[b], goallocs[b], gevent[b] / gons[b]
      else
        printf "| %s | %s | — | — | — |\n", b, gevent[b]
    }
    # Go-only rows: baselines with no gevent counterpart (GoChanHandoff, the
    # Go channel that QueueHandoff is measured against).
    for (i = 1; i <= m; i++) {
      b = goorder[i]
      if (!(b in gevent))
        printf "| %s (Go baseline) | — | %s | %s | — |\n", b, gons[b], goallocs[b]
    }
  }
' "$tmp/py.txt" "$tmp/go.txt"

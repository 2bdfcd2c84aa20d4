#!/usr/bin/env bash
# run.sh: cmd/chat against the seed's Flask chat on gevent, in one run.
# N users long-poll one room (the seed's POST /poll/{uid}), then the same N
# over cmd/chat's WebSocket, while one user posts M messages one after the
# other; each case runs on a freshly started server. Prints a markdown report
# for bench/RESULTS.md on stdout (raw JSON lines on stderr).
#
#   bash bench/chat/run.sh [-users N] [-messages M]     # defaults 1000, 20
set -euo pipefail
cd "$(dirname "$0")/../.."
users=1000
messages=20
while [ $# -gt 0 ]; do
  case $1 in
    -users) users=$2; shift 2 ;;
    -messages) messages=$2; shift 2 ;;
    *) echo "usage: $0 [-users N] [-messages M]" >&2; exit 2 ;;
  esac
done
/usr/bin/python3 -c 'import gevent, flask' || { echo "run.sh: /usr/bin/python3 needs python3-gevent and python3-flask" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
tmp=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/chat" ./cmd/chat
go build -o "$tmp/load" ./bench/chat
port=5181
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# wait_up waits until the server answers GET /.
wait_up() {
  for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/" && return 0
    sleep 0.1
  done
  echo "run.sh: server on $port did not start" >&2
  exit 1
}

stop() {
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=
}

results=()
one() { # label mode command...
  local label=$1 mode=$2
  shift 2
  port=$((port + 1))
  "$@" >"$tmp/server.log" 2>&1 &
  server=$!
  wait_up
  results+=("$("$tmp/load" -url "http://127.0.0.1:$port" -users "$users" -messages "$messages" -mode "$mode" -pid "$server" -label "$label")")
  echo "${results[-1]}" >&2
  stop
}

one "cmd/chat" poll "$tmp/chat" -addr "127.0.0.1:$((port + 1))" -data "$tmp/d1" -rate 1000000 -max-users 1000000 -access-log=false
one "cmd/chat" ws "$tmp/chat" -addr "127.0.0.1:$((port + 1))" -data "$tmp/d2" -rate 1000000 -max-users 1000000 -access-log=false
one "Flask on gevent" poll /usr/bin/python3 bench/chat/flask_chat.py 127.0.0.1 "$((port + 1))"

echo "Command: \`bash bench/chat/run.sh -users $users -messages $messages\`, $(date -u +%Y-%m-%d), $(go version | cut -d' ' -f3), Python $(/usr/bin/python3 -c 'import sys, gevent, flask; print(sys.version.split()[0], "gevent", gevent.__version__, "Flask", flask.__version__)'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores (shared; the load generator runs on the same cores), load average $load0 before the run and $(cut -d' ' -f1-3 /proc/loadavg) after."
echo
echo "| server | transport | users | messages | delivered | delivered/s | p50 ms | p99 ms | server CPU µs per delivery | RSS KiB per idle user |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in "${results[@]}"; do
  /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.argv[1])
print("| %s | %s | %d | %d | %d | %.0f | %.1f | %.1f | %.1f | %.1f |" % (r["label"], r["mode"], r["users"], r["messages"], r["delivered"], r["delivered_per_s"], r["p50_ms"], r["p99_ms"], r.get("server_cpu_us_per_delivery", 0), r.get("kib_per_idle_user", 0)))
' "$r"
done

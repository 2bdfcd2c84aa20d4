#!/usr/bin/env bash
# run.sh: cmd/chat against the seed's Flask chat on gevent.
# N users long-poll one room (the seed's POST /poll/{uid}), then the same N
# over cmd/chat's WebSocket, while one user posts M messages one after the
# other; each case runs on a freshly started server, after W warm-up messages
# that every user receives. A round runs the three cases; with -rounds R the
# report gives every round and the median of each column over the rounds,
# and the ratios against the reference (medians of the per-round ratios, so
# that a round slowed by other jobs on the machine compares like with like).
#
# On a machine with 2 or more cores the server runs alone on core 0
# (taskset -c 0, GOMAXPROCS=1; cmd/chat with one hub, Flask is one thread
# anyway) and the load generator on core 1 (GOMAXPROCS=1), as bench/http
# does; -no-pin runs both unpinned. The report shows, beside delivered/s,
# the server's and the load generator's CPU µs per delivered message and
# the share of a core each used during the measured phase: a server share
# well below 1 means that something else (the load generator, other jobs)
# held the figure down, and the CPU per delivery is the server's own cost.
#
# Prints a markdown report on stdout (raw JSON lines on stderr).
#
#   bash bench/chat/run.sh [-users N] [-messages M] [-warmup W] [-rounds R] [-senders S] [-no-pin]
#   (defaults 1000, 50, 5, 3, 1; --rounds etc. are accepted too)
#
# With -senders S, S users post the M messages between them, each one after
# the other, all S at once (the seed's case is S = 1). "put p50 ms" is the
# median time a post took to be answered: a serial sender posts at most
# 1000/put-p50 messages per second, and with one sender that, not the
# server's delivery work, can be the bound (a post waits behind the polls
# the previous message woke).
set -euo pipefail
cd "$(dirname "$0")/../.."
users=1000
messages=50
warmup=5
rounds=3
senders=1
pin=1
usage() { echo "usage: $0 [-users N] [-messages M] [-warmup W] [-rounds R] [-senders S] [-no-pin]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case ${1#-} in
    -users | users) users=$2; shift 2 ;;
    -messages | messages) messages=$2; shift 2 ;;
    -warmup | warmup) warmup=$2; shift 2 ;;
    -rounds | rounds) rounds=$2; shift 2 ;;
    -senders | senders) senders=$2; shift 2 ;;
    -no-pin | no-pin) pin=0; shift ;;
    *) usage ;;
  esac
done
for v in "$users" "$messages" "$warmup" "$rounds" "$senders"; do
  [[ $v =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || usage
done
/usr/bin/python3 -c 'import gevent, flask' || { echo "run.sh: /usr/bin/python3 needs python3-gevent and python3-flask" >&2; exit 1; }
if [ "$pin" = 1 ] && { [ "$(nproc)" -lt 2 ] || ! command -v taskset >/dev/null; }; then
  echo "run.sh: fewer than 2 cores or no taskset: running unpinned" >&2
  pin=0
fi
if [ "$pin" = 1 ]; then
  srv=(env GOMAXPROCS=1 taskset -c 0)
  cli=(env GOMAXPROCS=1 taskset -c 1)
  setup="server alone on core 0 (\`taskset -c 0\`, \`GOMAXPROCS=1\`, one hub; Flask is one thread), load generator on core 1 (\`taskset -c 1\`, \`GOMAXPROCS=1\`)"
else
  srv=(env)
  cli=(env)
  setup="unpinned: server and load generator share all $(nproc) cores"
fi
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

: >"$tmp/results"
one() { # round label mode command...
  local round=$1 label=$2 mode=$3
  shift 3
  "${srv[@]}" "$@" >"$tmp/server.log" 2>&1 &
  server=$! # env and taskset exec the server: this is its pid
  wait_up
  local r
  r=$("${cli[@]}" "$tmp/load" -url "http://127.0.0.1:$port" -users "$users" -messages "$messages" -warmup "$warmup" -senders "$senders" -mode "$mode" -pid "$server" -label "$label")
  r="{\"round\":$round,${r#\{}"
  echo "$r" >&2
  echo "$r" >>"$tmp/results"
  stop
  port=$((port + 1))
}

for round in $(seq "$rounds"); do
  one "$round" "cmd/chat" poll "$tmp/chat" -addr "127.0.0.1:$port" -data "$tmp/p$round" -hubs 1 -rate 1000000 -max-users 1000000 -access-log=false
  one "$round" "cmd/chat" ws "$tmp/chat" -addr "127.0.0.1:$port" -data "$tmp/w$round" -hubs 1 -rate 1000000 -max-users 1000000 -access-log=false
  one "$round" "Flask on gevent" poll /usr/bin/python3 bench/chat/flask_chat.py 127.0.0.1 "$port"
done

echo "Command: \`bash bench/chat/run.sh -users $users -messages $messages -warmup $warmup -rounds $rounds -senders $senders$([ "$pin" = 1 ] || echo ' -no-pin')\`, $(date -u '+%Y-%m-%d %H:%M UTC'), $(go version | cut -d' ' -f3), Python $(/usr/bin/python3 -c 'import sys, gevent, flask; print(sys.version.split()[0], "gevent", gevent.__version__, "Flask", flask.__version__)'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $setup; load average $load0 before the run and $(cut -d' ' -f1-3 /proc/loadavg) after."
echo
/usr/bin/python3 - "$tmp/results" <<'PY'
import json, statistics, sys

rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cols = [("delivered/s", "delivered_per_s", "%.0f"), ("p50 ms", "p50_ms", "%.1f"), ("p99 ms", "p99_ms", "%.1f"),
        ("server CPU µs per delivery", "server_cpu_us_per_delivery", "%.1f"), ("server core share", "server_cpu_share", "%.2f"),
        ("load gen. CPU µs per delivery", "load_cpu_us_per_delivery", "%.1f"), ("load gen. core share", "load_cpu_share", "%.2f"),
        ("put p50 ms", "put_p50_ms", "%.1f"), ("RSS KiB per idle user", "kib_per_idle_user", "%.1f")]
head = "| %s |" + " %s |" * len(cols)
print(head % (("round | server | transport | delivered",) + tuple(c[0] for c in cols)))
print("|---:|---|---|---:|" + "---:|" * len(cols))
for r in rs:
    print("| %d | %s | %s | %d |" % (r["round"], r["label"], r["mode"], r["delivered"]) + "".join(" %s |" % (f % r.get(k, 0)) for _, k, f in cols))
print()
cases = []
for r in rs:
    c = (r["label"], r["mode"])
    if c not in cases:
        cases.append(c)
med = lambda xs: statistics.median(xs) if xs else 0
print("Medians over %d rounds:" % max(r["round"] for r in rs))
print()
print(head % (("server | transport | rounds",) + tuple(c[0] for c in cols)))
print("|---|---|---:|" + "---:|" * len(cols))
for c in cases:
    sel = [r for r in rs if (r["label"], r["mode"]) == c]
    print("| %s | %s | %d |" % (c[0], c[1], len(sel)) + "".join(" %s |" % (f % med([r.get(k, 0) for r in sel])) for _, k, f in cols))
print()
ref = {r["round"]: r for r in rs if r["label"] == "Flask on gevent"}
for c in cases:
    if c[0] == "Flask on gevent":
        continue
    pairs = [(r, ref[r["round"]]) for r in rs if (r["label"], r["mode"]) == c and r["round"] in ref]
    if not pairs:
        continue
    def ratios(f):
        return [f(a, b) for a, b in pairs]
    tput = ratios(lambda a, b: a["delivered_per_s"] / b["delivered_per_s"] if b["delivered_per_s"] else 0)
    p99 = ratios(lambda a, b: b["p99_ms"] / a["p99_ms"] if a["p99_ms"] else 0)
    cpu = ratios(lambda a, b: b.get("server_cpu_us_per_delivery", 0) / a["server_cpu_us_per_delivery"] if a.get("server_cpu_us_per_delivery") else 0)
    fmt = lambda xs: "median %.1f× (rounds: %s)" % (med(xs), ", ".join("%.1f" % x for x in xs))
    print("- %s %s against the reference: delivered/s %s; p99 1/%s; server CPU per delivery 1/%s." %
          (c[0], c[1], fmt(tput), fmt(p99).replace("×", ""), fmt(cpu).replace("×", "")))
PY

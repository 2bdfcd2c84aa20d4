#!/usr/bin/env bash
# run.sh is the echo comparison: it builds the load client and the servers, then runs each server
# in turn (this project's examples/echo, gevent's StreamServer, a Go net echo, a gnet v2 echo)
# single-threaded on core 0 and drives it from core 1 with bench/echo/load:
#
#   1. ping-pong: 64 connections, 64-byte messages, --duration (10 s). The server's CPU time
#      (utime+stime from /proc/<pid>/stat) is read before and after, and divided by the round
#      trips the client completed: server CPU µs per round trip.
#   2. idle: a fresh server process; its VmRSS is read, then the client opens 10,000 connections
#      (each checked with one 1-byte echo, then silent) and VmRSS is read again, one second after
#      the last connection is set up. RSS per connection = growth / connections.
#
# stdout gets a markdown report for bench/RESULTS.md; progress and raw outputs go to stderr.
#
# Usage: bash bench/echo/run.sh [--duration 10s] [--quick] [--idle N] [--repeat N] [--only NAME[,NAME…]]
#   --quick      2 s of ping-pong and 1,000 idle connections (a smoke test)
#   --duration   ping-pong duration, in Go's time.ParseDuration form (default 10s)
#   --idle N     idle connections (default 10000; 0 skips the idle test)
#   --repeat N   ping-pong runs per server, each on a fresh server, the servers taking turns; the
#                report keeps the one with the least server CPU per round trip, lists all of them
#                and their median. Default 1.
#   --only       servers to run, from: echo (examples/echo), gevent, net, gnet
set -euo pipefail
# shellcheck source=SCRIPTDIR/../../ci/lib.sh
source "$(dirname "$0")/../../ci/lib.sh" # moves to the repository root
# shellcheck source=SCRIPTDIR/../lib.sh
source bench/lib.sh

args=("$@")
quick=0
duration=
idle=
only=echo,gevent,net,gnet
repeat=1
usage="usage: bench/echo/run.sh [--duration 10s] [--quick] [--idle N] [--repeat N] [--only echo,gevent,net,gnet]"
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --duration | --idle | --only | --repeat)
      [[ $# -ge 2 ]] || { echo "$1 needs a value; $usage" >&2 && exit 2; }
      declare "${1#--}=$2"
      shift
      ;;
    --duration=* | --idle=* | --only=* | --repeat=*) declare "${1#--}" ;;
    -h | --help)
      sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"
      exit 0
      ;;
    *)
      echo "$usage" >&2
      exit 2
      ;;
  esac
  shift
done
# --quick sets the defaults; an explicit --duration or --idle wins whatever the order.
if ((quick)); then
  duration=${duration:-2s} idle=${idle:-1000}
else
  duration=${duration:-10s} idle=${idle:-10000}
fi
conns=64
size=64

require_pinning
[[ $idle =~ ^[0-9]+$ ]] || die "--idle wants a number, got $idle"
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "--repeat wants a number >= 1, got $repeat"
IFS=, read -ra wanted <<<"$only"
for w in "${wanted[@]}"; do
  [[ $w =~ ^(echo|gevent|net|gnet)$ ]] || die "--only: unknown server $w (want echo, gevent, net or gnet)"
done

# Each side of the idle test holds $idle sockets.
raise_nofile "$idle"

# ---- build ----
echo "+ go build (load client, netecho, gnetecho)" >&2
go build -o "$tmp/load" ./bench/echo/load
go build -o "$tmp/netecho" ./bench/echo/netecho
go build -o "$tmp/gnetecho" ./bench/echo/gnetecho
declare -A note=()
have_echo=0
if [[ ,$only, == *,echo,* ]]; then
  if [[ ! -d examples/echo ]]; then
    note[echo]="examples/echo does not exist yet"
  elif ! go build -o "$tmp/geventecho" ./examples/echo 2>"$tmp/echo.build"; then
    cat "$tmp/echo.build" >&2
    note[echo]="examples/echo does not build"
  else
    have_echo=1
  fi
  [[ -n ${note[echo]-} ]] && echo "run.sh: skipping examples/echo: ${note[echo]}" >&2
fi
if [[ ,$only, == *,gevent,* ]] && ! "$python" -c 'import gevent' 2>/dev/null; then
  note[gevent]="$python cannot import gevent (apt-get install python3-gevent)"
  echo "run.sh: skipping gevent: ${note[gevent]}" >&2
fi

# ---- helpers ----
# start_server NAME PORT starts server NAME pinned to core 0 and sets spid; it returns when the
# port accepts connections, and fails if the server dies or does not listen within 10 s.
start_server() {
  local name=$1 port=$2 addr=127.0.0.1:$2 cmd
  case $name in
    echo) cmd=("$tmp/geventecho" -addr "$addr" -hubs 1) ;;
    gevent) cmd=("$python" bench/echo/gevent_echo.py "$addr") ;;
    net) cmd=("$tmp/netecho" -addr "$addr") ;;
    gnet) cmd=("$tmp/gnetecho" -addr "$addr") ;;
  esac
  start_pinned "$name" "$port" 1 0 "${cmd[@]}"
}

# ---- runs ----
declare -A allruns=() secs=() ccpu=() other=() steal=() rtps=() p50=() p99=() p999=() pmax=() rts=() cpu_us=() cpu_rt=() rss0=() rss1=() rss_conn=() idle_s=()
# pingpong NAME RUN runs one ping-pong measurement of server NAME on a fresh server and keeps it
# if it is NAME's best so far.
pingpong() {
  local name=$1 run=$2 port f o c n st r a0 a1 st0 st1 t0 t1
  port=$(free_port)
  echo "+ $name: ping-pong, $conns connections × $size B, $duration on 127.0.0.1:$port (run $run of $repeat)" >&2
  start_server "$name" "$port"
  a0=$(all_ticks) st0=$(steal_ticks) t0=$(cpu_ticks "$spid")
  f=$tmp/$name.load.$run.json
  GOMAXPROCS=1 taskset -c 1 "$tmp/load" -addr "127.0.0.1:$port" -conns "$conns" -size "$size" \
    -duration "$duration" >"$f" </dev/null ||
    die "load client failed against $name (server log: $(tail -n 5 "$tmp/$name.log"))"
  t1=$(cpu_ticks "$spid") st1=$(steal_ticks) a1=$(all_ticks)
  stop_server
  cat "$f" >&2
  # The client has exited and been reaped into this shell by the time of a1.
  o=$(awk -v a=$((a1 - a0)) -v t="$tck" -v s=$((t1 - t0)) -v c="$(json "$f" client_cpu_s)" \
    'BEGIN { printf "%.2f", (a - s) / t - c }')
  c=$(awk -v d=$((t1 - t0)) -v t="$tck" 'BEGIN { printf "%.0f", d * 1e6 / t }')
  n=$(json "$f" roundtrips)
  st=$(awk -v d=$((st1 - st0)) -v t="$tck" 'BEGIN { printf "%.2f", d / t }')
  echo "  server CPU $((t1 - t0)) ticks = $c µs over $n round trips; other CPU $o s; steal $st s" >&2
  r=$(awk -v c="$c" -v n="$n" 'BEGIN { printf "%.2f", c / n }')
  allruns[$name]+="${allruns[$name]:+, }$r"
  # Keep the best run: disturbances (other processes, the hypervisor) only add CPU per round trip.
  if [[ -z ${cpu_rt[$name]-} ]] || awk -v a="$r" -v b="${cpu_rt[$name]}" 'BEGIN { exit !(a < b) }'; then
    other[$name]=$o
    steal[$name]=$st
    cpu_us[$name]=$c
    rtps[$name]=$(json "$f" rtt_per_s)
    p50[$name]=$(json "$f" p50_us)
    p99[$name]=$(json "$f" p99_us)
    p999[$name]=$(json "$f" p999_us)
    pmax[$name]=$(json "$f" max_us)
    rts[$name]=$n
    secs[$name]=$(json "$f" seconds)
    ccpu[$name]=$(json "$f" client_cpu_s)
    cpu_rt[$name]=$r
  fi
}

# idle_test NAME measures the RSS per idle connection of server NAME on a fresh server.
idle_test() {
  local name=$1 port
  port=$(free_port)
  echo "+ $name: $idle idle connections on 127.0.0.1:$port (fresh server)" >&2
  start_server "$name" "$port"
  sleep 0.5
  hold_idle "$name" "$tmp/load" -addr "127.0.0.1:$port" -idle "$idle"
  rss0[$name]=$idle_rss0 rss1[$name]=$idle_rss1
  stop_server
  cat "$tmp/$name.idle.json" >&2
  idle_s[$name]=$(json "$tmp/$name.idle.json" seconds)
  rss_conn[$name]=$(rss_per_conn "${rss0[$name]}" "${rss1[$name]}" "$idle")
  echo "  VmRSS ${rss0[$name]} kB -> ${rss1[$name]} kB: ${rss_conn[$name]} B/conn" >&2
}

servers=()
for name in echo gevent net gnet; do
  [[ ,$only, == *,$name,* ]] || continue
  [[ $name == echo && $have_echo == 0 ]] && continue
  [[ -n ${note[$name]-} ]] && continue
  servers+=("$name")
done
# Runs are interleaved (run 1 of every server, then run 2…), so that a disturbed stretch of time
# on the shared machine does not fall on the runs of one server only.
for ((run = 1; run <= repeat; run++)); do
  for name in "${servers[@]}"; do
    pingpong "$name" "$run"
  done
done
if ((idle > 0)); then
  for name in "${servers[@]}"; do
    idle_test "$name"
  done
fi

# ---- report ----
# shellcheck disable=SC2016 # the backquotes are markdown
declare -A label=([echo]='`examples/echo` (-hubs 1)' [gevent]='gevent `StreamServer`' [net]='Go `net` (goroutine per conn)' [gnet]='gnet v2 (1 event loop)')
gnet_version=$(go list -m -f '{{.Version}}' github.com/panjf2000/gnet/v2)
py_version=$("$python" -c 'import platform, gevent
print("CPython %s, gevent %s (%s loop)" % (platform.python_version(), gevent.__version__, gevent.get_hub().loop.backend))' 2>/dev/null || echo "no gevent")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)

idle_note="Idle: a fresh server; VmRSS growth after $idle connections (each checked with one 1-byte
  echo, then silent), ÷ $idle."
((idle > 0)) || idle_note="Idle: not measured (--idle 0)."
repeat_note=
((repeat == 1)) || repeat_note="; $repeat runs per server (each on a fresh server, the servers
  taking turns), the one with the least server CPU per round trip kept (all of them under Raw
  figures; the median of them in its own column)"

cat <<EOF
### Echo: examples/echo vs gevent, Go net, gnet

- Command: \`bash bench/echo/run.sh${args[*]:+ ${args[*]}}\`
- Date: $(date -u '+%Y-%m-%d %H:%M UTC')
- Go: $(go version); gnet $gnet_version; Python: $py_version
- CPU: $cpu, $(nproc --all) cores; kernel: $(uname -sr)
- Setup: each server alone, single-threaded on core 0 (\`taskset -c 0\`, Go servers \`GOMAXPROCS=1\`);
  load client \`bench/echo/load\` on core 1 (\`taskset -c 1\`, \`GOMAXPROCS=1\`); loopback 127.0.0.1;
  TCP_NODELAY on both ends of every connection.
- Servers: \`examples/echo\` (\`server.StreamServer\`, a greenlet per connection, its own read
  buffer); gevent: \`bench/echo/gevent_echo.py\` (a greenlet per connection, \`recv(4096)\` +
  \`sendall\`); Go \`net\`: \`bench/echo/netecho\` (a goroutine per connection, a 4 KiB read buffer
  each); gnet: \`bench/echo/gnetecho\` (\`Next(-1)\` + \`Write\` on gnet's own buffers).
- Ping-pong: $conns connections, each writing $size B and reading the $size B echo back, for $duration$repeat_note.
  Server CPU = utime+stime from \`/proc/<pid>/stat\` over the whole run (CLK_TCK $tck) ÷ round trips.
- $idle_note

| server | rtt/s | p50 µs | p99 µs | server CPU µs/rt | CPU ratio vs gnet | median CPU µs/rt (ratio) | idle RSS bytes/conn |
|---|---:|---:|---:|---:|---:|---:|---:|
EOF
for name in echo gevent net gnet; do
  if [[ -n ${note[$name]-} ]]; then
    printf '| %s | — | — | — | — | — | — | — |\n' "${label[$name]}"
    continue
  fi
  [[ -n ${rtps[$name]-} ]] || continue
  ratio=—
  [[ -n ${cpu_rt[gnet]-} ]] && ratio=$(awk -v a="${cpu_rt[$name]}" -v b="${cpu_rt[gnet]}" 'BEGIN { printf "%.2f", a / b }')
  med=$(median "${allruns[$name]}")
  mratio=—
  [[ -n ${cpu_rt[gnet]-} ]] && mratio=$(awk -v a="$med" -v b="$(median "${allruns[gnet]}")" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %s | %s | %s | %s | %s | %s (%s) | %s |\n' "${label[$name]}" "${rtps[$name]}" "${p50[$name]}" \
    "${p99[$name]}" "${cpu_rt[$name]}" "$ratio" "$med" "$mratio" "${rss_conn[$name]:-—}"
done

echo
echo "Raw figures:"
echo
echo '| server | round trips | s | server CPU s | client CPU s | other CPU s | steal s | p99.9 µs | max µs | VmRSS before → after idle (kB) | idle set-up s | CPU µs/rt of each run |'
echo '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|'
for name in "${servers[@]}"; do
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${label[$name]}" "${rts[$name]}" \
    "${secs[$name]}" "$(awk -v c="${cpu_us[$name]}" 'BEGIN { printf "%.2f", c / 1e6 }')" "${ccpu[$name]}" \
    "${other[$name]}" "${steal[$name]}" "${p999[$name]}" "${pmax[$name]}" \
    "${rss0[$name]:-—} → ${rss1[$name]:-—}" "${idle_s[$name]:-—}" "${allruns[$name]}"
done
echo
cat <<'EOF'
s: the client's run time. Server and client CPU: utime+stime over the run, including the softirq
work done in each process's context (on loopback, delivering what it sends to the peer's socket).
A server that used well under s of CPU was partly waiting for the client. Other CPU: what every
other process used meanwhile (from /proc/<pid>/stat, reaped children included; kernel threads
such as ksoftirqd count); more than about 2% of s means the run was disturbed: rerun it.
Steal: time the hypervisor gave the machine's CPUs to someone else (/proc/stat), which a virtual
machine's processes cannot see otherwise. Even with both near zero, runs of one server vary by
10–20% on a shared virtual machine: compare rows of one report, and rerun before quoting a change.
EOF
for name in "${!note[@]}"; do
  echo
  echo "Not run: ${label[$name]}: ${note[$name]}."
done

#!/usr/bin/env bash
# run.sh is the HTTP comparison: it builds the servers of bench/http/lib.sh (this project's
# examples/hello, gevent's pywsgi, net/http, fasthttp, nbio's nbhttp, a gnet v2 responder),
# each answering GET / with "Hello, World!" as text/plain, and measures them in one run.
#
#   Load (the default): for each of --rounds rounds (3), each server in turn on a fresh
#   process: a --warmup (1 s) wrk run that is not counted, then
#     wrk -t1 -c64 -d5s --latency http://127.0.0.1:PORT/
#   With --hubs 1 (the default) the server runs single-threaded on core 0 (taskset -c 0,
#   GOMAXPROCS=1, one hub/loop) and wrk on core 1 (taskset -c 1). With --hubs 2: GOMAXPROCS=2,
#   two hubs/loops (nbio and gnet: two loops; pywsgi stays one process), nothing pinned.
#   The server's utime+stime (/proc/<pid>/stat) before and after the counted run, divided by
#   the requests wrk completed, is the server CPU µs per request. Before each warm-up the script
#   waits (up to --quiet-wait seconds, 15) for a second in which the other processes on the
#   machine used less than a quarter of a core: the machine is shared.
#   Idle (--idle): for each server, a fresh process; its VmRSS is read, then bench/http/idle
#   opens --idle-conns (10,000) keep-alive connections, each after one GET / answered in full,
#   and holds them; VmRSS is read again one second after the last one is set up. RSS per
#   connection = growth / connections.
#
# stdout gets a markdown report for bench/RESULTS.md (medians over the rounds, ratios to ours,
# then every round's raw figures); progress and raw outputs go to stderr.
#
# Usage: bash bench/http/run.sh [--hubs 1|2] [--rounds N] [--duration 5s] [--warmup 1s]
#                               [--conns 64] [--threads 1] [--quiet-wait 15] [--only NAME[,NAME…]] [--quick]
#        bash bench/http/run.sh --idle [--idle-conns 10000] [--only …]
#   --only      servers, from: hello, pywsgi, net, fasthttp, nbio, gnet (default: all)
#   --quick     a smoke test: one round of 1 s, 1 s warm-up; with --idle, 1,000 connections
#   --threads   wrk threads (-t)
#   --quiet-wait  seconds to wait at most for a quiet second before each run (0: do not wait)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../../ci/lib.sh
source "$(dirname "$0")/../../ci/lib.sh" # moves to the repository root
# shellcheck source=SCRIPTDIR/lib.sh
source bench/http/lib.sh

args=("$@")
quick=0
idle_mode=0
hubs=1
rounds= duration= warmup= idle_conns= quiet_wait=
conns=64
threads=1
only=$(
  IFS=,
  echo "${all_servers[*]}"
)
usage="usage: bench/http/run.sh [--hubs 1|2] [--rounds N] [--duration 5s] [--warmup 1s] [--conns 64] [--threads 1] [--quiet-wait 15] [--only $only] [--quick] [--idle [--idle-conns N]]"
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --idle) idle_mode=1 ;;
    --hubs | --rounds | --duration | --warmup | --conns | --threads | --only | --idle-conns | --quiet-wait)
      [[ $# -ge 2 ]] || { echo "$1 needs a value; $usage" >&2 && exit 2; }
      v=${1#--}
      declare "${v//-/_}=$2"
      shift
      ;;
    --hubs=* | --rounds=* | --duration=* | --warmup=* | --conns=* | --threads=* | --only=* | --idle-conns=* | --quiet-wait=*)
      v=${1#--}
      v=${v%%=*}
      declare "${v//-/_}=${1#*=}"
      ;;
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
# --quick sets the defaults; an explicit value wins whatever the order.
if ((quick)); then
  rounds=${rounds:-1} duration=${duration:-1s} warmup=${warmup:-1s} idle_conns=${idle_conns:-1000} quiet_wait=${quiet_wait:-0}
else
  rounds=${rounds:-3} duration=${duration:-5s} warmup=${warmup:-1s} idle_conns=${idle_conns:-10000} quiet_wait=${quiet_wait:-15}
fi

command -v wrk >/dev/null || die "wrk not found (Debian: apt-get install wrk)"
command -v taskset >/dev/null || die "taskset not found (Debian: apt-get install util-linux)"
[[ $hubs =~ ^[12]$ ]] || die "--hubs wants 1 or 2, got $hubs"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds wants a number >= 1, got $rounds"
[[ $conns =~ ^[1-9][0-9]*$ ]] || die "--conns wants a number >= 1, got $conns"
[[ $threads =~ ^[1-9][0-9]*$ ]] || die "--threads wants a number >= 1, got $threads"
[[ $idle_conns =~ ^[1-9][0-9]*$ ]] || die "--idle-conns wants a number >= 1, got $idle_conns"
[[ $quiet_wait =~ ^[0-9]+$ ]] || die "--quiet-wait wants a number of seconds, got $quiet_wait"
[[ $duration =~ ^[0-9]+[smh]?$ ]] || die "--duration wants wrk's form (5s, 1m), got $duration"
[[ $warmup =~ ^[0-9]+s$ ]] || die "--warmup wants whole seconds (1s, 0s: none), got $warmup"
if ((hubs == 1 || idle_mode)); then
  require_pinning
  server_pin=0 load_pin=(taskset -c 1)
else
  server_pin= load_pin=()
fi
IFS=, read -ra wanted <<<"$only"
for w in "${wanted[@]}"; do
  [[ -n ${label[$w]-} ]] || die "--only: unknown server $w (want one of ${all_servers[*]})"
done

if ((idle_mode)); then
  # Each side holds $idle_conns sockets.
  raise_nofile "$idle_conns"
fi

# ---- build ----
build_servers 0 "${wanted[@]}"
if ((idle_mode)); then
  echo "+ go build ./bench/http/idle" >&2
  go build -o "$tmp/idle" ./bench/http/idle
fi
servers=()
for name in "${all_servers[@]}"; do
  [[ ,$only, == *,$name,* && -z ${note[$name]-} ]] && servers+=("$name")
done
((${#servers[@]} > 0)) || die "no server to run"

# ---- helpers ----
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# us VALUE prints wrk's latency VALUE (e.g. 742.00us, 2.11ms, 1.02s) in µs.
us() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1e3; else if (v ~ /m$/) f = 6e7; else if (v ~ /s$/) f = 1e6; else f = 1
    printf "%.0f", n * f
  }'
}

# ---- load runs ----
declare -A r_rps=() r_p50=() r_p99=() r_cpu=() r_scpu=() r_ccpu=() r_other=() r_err=() r_reqs=() r_wait=()
wrk_args=(-t"$threads" -c"$conns" -d"$duration" --latency)
# load_run NAME ROUND measures server NAME once, on a fresh server.
load_run() {
  local name=$1 round=$2 port url f a0 a1 t0 t1 c0 c1 reqs rps p50 p99 cpu err non2xx
  port=$(free_port)
  url=http://127.0.0.1:$port/
  echo "+ $name: round $round of $rounds: wrk ${wrk_args[*]} $url" >&2
  start_server "$name" "$port" 0 "$hubs" "$server_pin"
  if ! check_keepalive "$port"; then
    note[$name]="it does not answer GET / three times on one keep-alive connection (checked before round $round)"
    echo "run.sh: skipping $name: ${note[$name]}" >&2
    stop_server
    return
  fi
  r_wait[$name]+="${r_wait[$name]:+, }$(wait_quiet "$quiet_wait")"
  if [[ $warmup != 0s ]]; then
    "${load_pin[@]}" wrk -t"$threads" -c"$conns" -d"$warmup" "$url" >/dev/null </dev/null ||
      die "wrk warm-up failed against $name"
  fi
  f=$tmp/$name.wrk.$round
  a0=$(all_ticks) t0=$(cpu_ticks "$spid") c0=$(children_ticks)
  "${load_pin[@]}" wrk "${wrk_args[@]}" "$url" >"$f" </dev/null || die "wrk failed against $name"
  c1=$(children_ticks) t1=$(cpu_ticks "$spid") a1=$(all_ticks)
  stop_server
  cat "$f" >&2
  reqs=$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$f")
  rps=$(awk '$1 == "Requests/sec:" { printf "%.0f", $2 }' "$f")
  p50=$(us "$(awk '$1 == "50%" { print $2 }' "$f")")
  p99=$(us "$(awk '$1 == "99%" { print $2 }' "$f")")
  [[ -n $reqs && $reqs -gt 0 && -n $rps ]] || die "cannot read wrk's output against $name (above)"
  err=$(awk '/^ *Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$f")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$f")
  err=$((${err:-0} + ${non2xx:-0}))
  cpu=$(awk -v d=$((t1 - t0)) -v t="$tck" -v n="$reqs" 'BEGIN { printf "%.2f", d * 1e6 / t / n }')
  r_rps[$name]+="${r_rps[$name]:+, }$rps"
  r_p50[$name]+="${r_p50[$name]:+, }$p50"
  r_p99[$name]+="${r_p99[$name]:+, }$p99"
  r_cpu[$name]+="${r_cpu[$name]:+, }$cpu"
  r_reqs[$name]+="${r_reqs[$name]:+, }$reqs"
  r_err[$name]+="${r_err[$name]:+, }$err"
  r_scpu[$name]+="${r_scpu[$name]:+, }$(awk -v d=$((t1 - t0)) -v t="$tck" 'BEGIN { printf "%.2f", d / t }')"
  r_ccpu[$name]+="${r_ccpu[$name]:+, }$(awk -v d=$((c1 - c0)) -v t="$tck" 'BEGIN { printf "%.2f", d / t }')"
  # Other: every process's CPU meanwhile minus the server's and wrk's (reaped into this shell).
  r_other[$name]+="${r_other[$name]:+, }$(awk -v a=$((a1 - a0)) -v s=$((t1 - t0)) -v c=$((c1 - c0)) -v t="$tck" \
    'BEGIN { printf "%.2f", (a - s - c) / t }')"
  echo "  $reqs requests, $rps/s, p50 $p50 µs, p99 $p99 µs, server CPU $cpu µs/request, errors $err" >&2
}

# ---- idle runs ----
declare -A rss0=() rss1=() rss_conn=() idle_s=()
# idle_run NAME measures the RSS per idle keep-alive connection of server NAME.
idle_run() {
  local name=$1 port
  port=$(free_port)
  echo "+ $name: $idle_conns idle keep-alive connections on 127.0.0.1:$port (fresh server)" >&2
  start_server "$name" "$port" 0 1 0
  sleep 0.5
  hold_idle "$name" "$tmp/idle" -addr "127.0.0.1:$port" -conns "$idle_conns"
  rss0[$name]=$idle_rss0 rss1[$name]=$idle_rss1
  stop_server
  cat "$tmp/$name.idle.json" >&2
  idle_s[$name]=$(json "$tmp/$name.idle.json" seconds)
  rss_conn[$name]=$(rss_per_conn "${rss0[$name]}" "${rss1[$name]}" "$idle_conns")
  echo "  VmRSS ${rss0[$name]} kB -> ${rss1[$name]} kB: ${rss_conn[$name]} B/conn" >&2
}

if ((idle_mode)); then
  for name in "${servers[@]}"; do
    idle_run "$name"
  done
else
  # Rounds are interleaved (round 1 of every server, then round 2…), so that a disturbed
  # stretch of time on the shared machine does not fall on the rounds of one server only.
  for ((round = 1; round <= rounds; round++)); do
    for name in "${servers[@]}"; do
      [[ -n ${note[$name]-} ]] || load_run "$name" "$round"
    done
  done
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ----
ran=()
for name in "${servers[@]}"; do
  [[ -n ${note[$name]-} ]] || ran+=("$name")
done
((${#ran[@]} > 0)) || die "no server could be measured"
ref=hello
[[ " ${ran[*]} " == *" hello "* ]] || ref=net
[[ " ${ran[*]} " == *" $ref "* ]] || ref=${ran[0]}
gnet_version=$(go list -m -f '{{.Version}}' github.com/panjf2000/gnet/v2)
fasthttp_version=$(go list -m -f '{{.Version}}' github.com/valyala/fasthttp)
nbio_version=$(go list -m -f '{{.Version}}' github.com/lesismal/nbio)
py_version=$("$python" -c 'import platform, gevent
print("CPython %s, gevent %s (%s loop)" % (platform.python_version(), gevent.__version__, gevent.get_hub().loop.backend))' 2>/dev/null || echo "no gevent")
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
if ((hubs == 1)); then
  setup="each server single-threaded on core 0 (\`taskset -c 0\`, \`GOMAXPROCS=1\`, one hub/loop); wrk on core 1 (\`taskset -c 1\`)"
else
  setup="both cores free: \`GOMAXPROCS=2\`, \`-hubs 2\` for ours, 2 loops for nbio and gnet (pywsgi: one process, one thread); wrk unpinned"
fi

echo "### HTTP: $( ((idle_mode)) && echo "idle keep-alive connections" || echo "hello world, --hubs $hubs")"
echo
cat <<EOF
- Command: \`bash bench/http/run.sh${args[*]:+ ${args[*]}}\`
- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average (1, 5, 15 min) $load_start at the start, $load_end at the end
- Go: $(go version); fasthttp $fasthttp_version; nbio $nbio_version; gnet $gnet_version; Python: $py_version
- CPU: $cpu_model, $(nproc --all) cores; kernel: $(uname -sr)
EOF
if ((idle_mode)); then
  cat <<EOF
- Setup: each server single-threaded on core 0 (\`taskset -c 0\`, \`GOMAXPROCS=1\`), a fresh process;
  \`bench/http/idle\` on core 1 opens $idle_conns connections, each after one \`GET /\` answered in full,
  and holds them silent. VmRSS (\`/proc/<pid>/status\`) before, and 1 s after the last connection; growth ÷ $idle_conns.

| server | VmRSS before kB | VmRSS after kB | RSS per idle connection, bytes | set-up s |
|---|---:|---:|---:|---:|
EOF
  for name in "${all_servers[@]}"; do
    [[ ,$only, == *,$name,* ]] || continue
    if [[ -n ${note[$name]-} ]]; then
      printf '| %s | — | — | — | — |\n' "${label[$name]}"
      continue
    fi
    printf '| %s | %s | %s | %s | %s |\n' "${label[$name]}" "${rss0[$name]}" "${rss1[$name]}" "${rss_conn[$name]}" "${idle_s[$name]}"
  done
else
  cat <<EOF
- Setup: $setup; loopback 127.0.0.1. \`wrk ${wrk_args[*]}\`, after a $warmup warm-up
  on the same fresh server; $rounds round(s), the servers taking turns. Server CPU = utime+stime from
  \`/proc/<pid>/stat\` over the counted run (CLK_TCK $tck) ÷ requests completed. Medians over the rounds.

| server | requests/s | p50 µs | p99 µs | server CPU µs/request | CPU ratio to ${label[$ref]} | least CPU µs/request (ratio) | p99 ratio |
|---|---:|---:|---:|---:|---:|---:|---:|
EOF
  ref_cpu=$(median "${r_cpu[$ref]}")
  ref_p99=$(median "${r_p99[$ref]}")
  ref_best=$(least "${r_cpu[$ref]}")
  for name in "${all_servers[@]}"; do
    [[ ,$only, == *,$name,* ]] || continue
    if [[ -n ${note[$name]-} ]]; then
      printf '| %s | — | — | — | — | — | — | — |\n' "${label[$name]}"
      continue
    fi
    c=$(median "${r_cpu[$name]}")
    b=$(least "${r_cpu[$name]}")
    p=$(median "${r_p99[$name]}" 0)
    printf '| %s | %s | %s | %s | %s | %s | %s (%s) | %s |\n' "${label[$name]}" "$(median "${r_rps[$name]}" 0)" \
      "$(median "${r_p50[$name]}" 0)" "$p" "$c" \
      "$(awk -v a="$c" -v b="$ref_cpu" 'BEGIN { printf "%.2f", a / b }')" \
      "$b" "$(awk -v a="$b" -v b="$ref_best" 'BEGIN { printf "%.2f", a / b }')" \
      "$(awk -v a="$p" -v b="$ref_p99" 'BEGIN { printf "%.2f", a / b }')"
  done
  echo
  echo "Every round (in order):"
  echo
  echo '| server | requests | requests/s | p50 µs | p99 µs | server CPU µs/request | server CPU s | wrk CPU s | other CPU s | waited s | errors + non-2xx |'
  echo '|---|---|---|---|---|---|---|---|---|---|---|'
  for name in "${ran[@]}"; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${label[$name]}" "${r_reqs[$name]}" "${r_rps[$name]}" \
      "${r_p50[$name]}" "${r_p99[$name]}" "${r_cpu[$name]}" "${r_scpu[$name]}" "${r_ccpu[$name]}" \
      "${r_other[$name]}" "${r_wait[$name]}" "${r_err[$name]}"
  done
  echo
  cat <<'EOF'
Server and wrk CPU: utime+stime over the counted run, including the softirq work done in each
process's context (on loopback, delivering what it sends into the peer's socket). A server that
used well under the run's length of CPU was partly waiting for wrk, which is why the figure to
compare is CPU per request, not requests/s. Other CPU: what every other process on the machine
used meanwhile (other people's builds on this shared machine, kernel threads); a large figure
means a disturbed round, whose server CPU per request is inflated (the server is preempted, its
caches evicted, fewer requests per wake-up): hence the least figure beside the median. Waited:
the seconds spent waiting for a quiet second before the round ("+": it gave up).
EOF
fi
for name in "${!note[@]}"; do
  echo
  echo "Not run: ${label[$name]}: ${note[$name]}."
done

# shellcheck shell=bash
# lib.sh is sourced by the comparison scripts (bench/http/lib.sh for bench/http/run.sh and
# h1spec.sh, bench/echo/run.sh) after ci/lib.sh, which moves to the repository root. It holds what
# they share: the scratch directory and the processes cleaned up on exit, starting a server and
# waiting until it listens, CPU and memory readings from /proc, pinning checks, the wait for a
# quiet machine, statistics over comma-separated lists, and the idle-connection measurement.
#
# It defines python, tmp (a scratch directory, removed on exit), pids (the children that cleanup
# terminates), spid (the server that start_pinned last started) and tck (clock ticks per second).

python=/usr/bin/python3

die() {
  echo "${0##*/}: $*" >&2
  exit 1
}

tmp=$(mktemp -d)
pids=()
tck=$(getconf CLK_TCK)

# terminate PID sends PID (a child of this shell) SIGTERM, then SIGKILL if it is still running
# 3 s later, and reaps it. (A process that has exited but is not reaped yet is in state Z.)
terminate() {
  local i state
  kill -TERM "$1" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || break
    [[ $state == Z ]] && break
    sleep 0.1
  done
  ((i < 30)) || kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cleanup() {
  local pid
  exec 3>&- # releases an idle client, if one is holding
  for pid in "${pids[@]}"; do
    terminate "$pid"
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# forget PID drops PID from the processes that cleanup kills (once it has been reaped).
forget() {
  local p keep=()
  for p in "${pids[@]}"; do
    [[ $p == "$1" ]] || keep+=("$p")
  done
  pids=("${keep[@]}")
}

free_port() {
  "$python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# require_pinning fails unless the server can run on core 0 and the load on core 1.
require_pinning() {
  command -v taskset >/dev/null || die "taskset not found (Debian: apt-get install util-linux)"
  [[ $(nproc --all) -ge 2 ]] || die "needs 2 CPUs (server on core 0, load on core 1); this machine has $(nproc --all)"
  taskset -c 0,1 true 2>/dev/null || die "cannot pin to cores 0 and 1 (taskset -c 0,1 failed)"
}

# raise_nofile N raises the open-file limit for everything started below, and fails if it does
# not reach N idle connections' worth. Go raises its own soft limit to the hard one; Python and
# this shell do not.
raise_nofile() {
  local nofile
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  nofile=$(ulimit -n)
  if [[ $nofile != unlimited && $nofile -lt $(($1 + 256)) ]]; then
    die "ulimit -n is $nofile (hard limit $(ulimit -Hn)); $1 idle connections need $(($1 + 256))"
  fi
}

# start_pinned NAME PORT PROCS PIN CMD... starts server NAME (CMD...) with GOMAXPROCS=PROCS,
# pinned with taskset -c PIN unless PIN is empty, its output appended to $tmp/NAME.log, and sets
# spid. It returns when 127.0.0.1:PORT accepts connections, and fails if the server dies or does
# not listen within 10 s.
start_pinned() {
  local name=$1 port=$2 procs=$3 pin=$4 i
  shift 4
  local cmd=("$@")
  [[ -n $pin ]] && cmd=(taskset -c "$pin" "${cmd[@]}")
  # A simple command, so that $! is the server itself (env and taskset exec it).
  env GOMAXPROCS="$procs" "${cmd[@]}" </dev/null >>"$tmp/$name.log" 2>&1 &
  spid=$!
  pids+=("$spid")
  for ((i = 0; i < 100; i++)); do
    kill -0 "$spid" 2>/dev/null || {
      cat "$tmp/$name.log" >&2
      die "server $name exited before listening on 127.0.0.1:$port"
    }
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  die "server $name does not accept connections on 127.0.0.1:$port after 10 s"
}

stop_server() {
  terminate "$spid"
  forget "$spid"
}

# cpu_ticks PID prints the process's utime+stime in clock ticks (all threads); children_ticks
# prints this shell's reaped children's (cutime+cstime). The fields are counted after the ")"
# that ends the command name, which may contain spaces.
cpu_ticks() {
  local stat
  stat=$(<"/proc/$1/stat")
  stat=${stat##*) }
  awk '{ print $12 + $13 }' <<<"$stat"
}
children_ticks() {
  local stat
  stat=$(<"/proc/$$/stat")
  stat=${stat##*) }
  awk '{ print $14 + $15 }' <<<"$stat"
}

# all_ticks prints the CPU time, in clock ticks, of every process on the machine, with that of
# the children they have reaped (utime+stime+cutime+cstime of each /proc/<pid>/stat). Between two
# readings it grows by all the CPU time used meanwhile, by whichever process: one that exited was
# reaped into an ancestor that is still there. (Each process's figure is rounded to a tick.)
all_ticks() {
  # A process that exits between the glob and the read makes cat fail: not an error here.
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '{ sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15 } END { print t }'
}

# steal_ticks prints the time the hypervisor ran something else while this machine's CPUs had
# work (all CPUs, clock ticks; the "steal" column of /proc/stat).
steal_ticks() {
  awk '$1 == "cpu" { print $9 }' /proc/stat
}

rss_kb() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# json FILE KEY prints the number KEY of the one-line JSON object in FILE.
json() {
  sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" "$1"
}

# least "a, b, c" prints the least of a comma-separated list of numbers.
least() {
  tr ',' '\n' <<<"$1" | sort -g | head -n 1 | tr -d ' '
}

# median "a, b, c" [DECIMALS] prints the median of a comma-separated list of numbers, with
# DECIMALS (2) decimals.
median() {
  tr ',' '\n' <<<"$1" | sort -g | awk -v d="${2:-2}" '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.*f", d, m }'
}

# wait_quiet SECONDS waits, for up to SECONDS, for a second in which the other processes on the
# machine used less than a quarter of a core, and prints the seconds it waited (with a "+" if
# it gave up).
wait_quiet() {
  local a0 a1 i
  for ((i = 0; i < $1; i++)); do
    a0=$(all_ticks)
    sleep 1
    a1=$(all_ticks)
    if (((a1 - a0) * 4 < tck)); then
      echo $((i + 1))
      return
    fi
  done
  if (($1 > 0)); then echo "$1+"; else echo 0; fi
}

# hold_idle NAME CLIENT... measures the server $spid (NAME) under idle connections: it reads its
# VmRSS into idle_rss0, runs CLIENT... (a Go tool using bench/internal/idleconn) on core 1 with
# GOMAXPROCS=1, waits for the JSON line it prints once its connections are set up (into
# $tmp/NAME.idle.json, stderr in $tmp/NAME.idle.err; at most 120 s), reads VmRSS again one
# second later into idle_rss1, then releases the client (EOF on its stdin) and reaps it.
hold_idle() {
  local name=$1 cpid i
  shift
  idle_rss0=$(rss_kb "$spid")
  rm -f "$tmp/hold"
  mkfifo "$tmp/hold"
  GOMAXPROCS=1 taskset -c 1 "$@" <"$tmp/hold" >"$tmp/$name.idle.json" 2>"$tmp/$name.idle.err" &
  cpid=$!
  pids+=("$cpid")
  exec 3>"$tmp/hold" # the client holds its connections until this closes
  for ((i = 0; ; i++)); do
    [[ -s $tmp/$name.idle.json ]] && break
    if ! kill -0 "$cpid" 2>/dev/null || ((i >= 1200)); then
      cat "$tmp/$name.idle.err" >&2
      die "idle client failed against $name"
    fi
    sleep 0.1
  done
  sleep 1
  idle_rss1=$(rss_kb "$spid")
  exec 3>&-
  wait "$cpid" || die "idle client failed against $name: $(cat "$tmp/$name.idle.err")"
  forget "$cpid"
}

# rss_per_conn KB0 KB1 N prints the VmRSS growth from KB0 to KB1 kB per connection, in bytes.
rss_per_conn() {
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }'
}

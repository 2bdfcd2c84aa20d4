# shellcheck shell=bash
# lib.sh is sourced by bench/http/run.sh and bench/http/h1spec.sh (after ci/lib.sh, which moves
# to the repository root): the servers of the HTTP comparison, how to build, start and stop them.
#
# Servers, by the names the scripts' --only takes:
#   hello     examples/hello (this project's httpserver), -hubs N
#   pywsgi    bench/http/gevent_hello.py under /usr/bin/python3 (gevent.pywsgi)
#   net       bench/http/nethello (net/http)
#   fasthttp  bench/http/fasthello (fasthttp)
#   nbio      bench/http/nbiohello (nbio's nbhttp, handlers on the poller), -loops N
#   gnet      bench/http/gnethello (a minimal responder on gnet v2), -loops N
# In echo mode (h1spec) each answers any request with its body; ours is then
# bench/http/geventhello -echo (examples/hello has no echo mode), and gnet has none.

python=/usr/bin/python3
all_servers=(hello pywsgi net fasthttp nbio gnet)
# shellcheck disable=SC2016 # the backquotes are markdown
declare -A label=(
  [hello]='`examples/hello` (httpserver)'
  [pywsgi]='gevent `pywsgi`'
  [net]='`net/http`'
  [fasthttp]='fasthttp'
  [nbio]='nbio `nbhttp`'
  [gnet]='gnet v2 (minimal responder)'
)
declare -A note=() # NAME -> why it is not run

die() {
  echo "${0##*/}: $*" >&2
  exit 1
}

tmp=$(mktemp -d)
pids=()
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

# build_servers ECHO NAME... builds the Go servers among NAME... into $tmp (ECHO=1: the echo
# programs for h1spec). A server that cannot be run gets a note[NAME] and a message on stderr.
build_servers() {
  local echo=$1 name pkg
  shift
  for name in "$@"; do
    case $name in
      hello) pkg=./examples/hello && ((echo)) && pkg=./bench/http/geventhello ;;
      net) pkg=./bench/http/nethello ;;
      fasthttp) pkg=./bench/http/fasthello ;;
      nbio) pkg=./bench/http/nbiohello ;;
      gnet) pkg=./bench/http/gnethello ;;
      pywsgi)
        "$python" -c 'import gevent' 2>/dev/null || note[pywsgi]="$python cannot import gevent (apt-get install python3-gevent)"
        pkg=
        ;;
      *) die "unknown server $name (want one of ${all_servers[*]})" ;;
    esac
    if [[ $name == gnet ]] && ((echo)); then
      note[gnet]="gnethello is not an HTTP server (no validation, no echo mode)"
    elif [[ -n $pkg && ! -d $pkg ]]; then
      note[$name]="${pkg#./} does not exist yet"
    elif [[ -n $pkg ]]; then
      echo "+ go build $pkg" >&2
      if ! go build -o "$tmp/$name" "$pkg" 2>"$tmp/$name.build"; then
        cat "$tmp/$name.build" >&2
        note[$name]="${pkg#./} does not build"
      fi
    fi
    [[ -n ${note[$name]-} ]] && echo "${0##*/}: skipping $name: ${note[$name]}" >&2
  done
  return 0
}

# start_server NAME PORT ECHO LOOPS PIN starts server NAME on 127.0.0.1:PORT with GOMAXPROCS=LOOPS
# and LOOPS hubs/loops (ECHO=1: in echo mode), pinned with taskset -c PIN unless PIN is empty,
# and sets spid. It returns when the port accepts connections, and fails if the server dies or
# does not listen within 10 s.
start_server() {
  local name=$1 port=$2 echo=$3 loops=$4 pin=$5 addr=127.0.0.1:$2 i cmd=()
  case $name in
    hello)
      if ((echo)); then
        cmd=("$tmp/hello" -addr "$addr" -hubs "$loops" -echo)
      else
        cmd=("$tmp/hello" -addr "$addr" -hubs "$loops")
      fi
      ;;
    pywsgi)
      cmd=("$python" bench/http/gevent_hello.py)
      ((echo)) && cmd+=(--echo)
      cmd+=("$addr")
      ;;
    net | fasthttp)
      cmd=("$tmp/$name" -addr "$addr")
      ((echo)) && cmd+=(-echo)
      ;;
    nbio | gnet)
      cmd=("$tmp/$name" -addr "$addr" -loops "$loops")
      ((echo)) && cmd+=(-echo)
      ;;
  esac
  [[ -n $pin ]] && cmd=(taskset -c "$pin" "${cmd[@]}")
  # A simple command, so that $! is the server itself (env and taskset exec it).
  env GOMAXPROCS="$loops" "${cmd[@]}" </dev/null >>"$tmp/$name.log" 2>&1 &
  spid=$!
  pids+=("$spid")
  for ((i = 0; i < 100; i++)); do
    kill -0 "$spid" 2>/dev/null || {
      cat "$tmp/$name.log" >&2
      die "server $name exited before listening on $addr"
    }
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  die "server $name does not accept connections on $addr after 10 s"
}

# check_keepalive PORT fails unless the server on PORT answers three GET / in turn on one
# connection, each with "Hello, World!", within 5 s each (wrk would not say: a server that stops
# answering a connection after its first request just shows few requests and no errors).
check_keepalive() {
  "$python" - "$1" <<'PY' >&2
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
for i in range(3):
    s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    got = b""
    while b"Hello, World!" not in got:
        d = s.recv(4096)
        if not d:
            sys.exit("request %d: connection closed after %r" % (i + 1, got))
        got += d
PY
}

stop_server() {
  terminate "$spid"
  forget "$spid"
}

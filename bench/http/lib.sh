# shellcheck shell=bash
# lib.sh is sourced by bench/http/run.sh and bench/http/h1spec.sh (after ci/lib.sh, which moves
# to the repository root): the servers of the HTTP comparison, how to build and start them. It
# sources bench/lib.sh, the helpers every comparison shares (stop_server, /proc readings, …).
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

# shellcheck source=SCRIPTDIR/../lib.sh
source bench/lib.sh

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
  local name=$1 port=$2 echo=$3 loops=$4 pin=$5 addr=127.0.0.1:$2 cmd=()
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
  start_pinned "$name" "$port" "$loops" "$pin" "${cmd[@]}"
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

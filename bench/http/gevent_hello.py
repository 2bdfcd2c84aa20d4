"""gevent's side of the HTTP comparison (bench/http/run.sh): gevent.pywsgi serving a tiny WSGI app.

Usage: /usr/bin/python3 bench/http/gevent_hello.py [--echo] [HOST:PORT]   (default 127.0.0.1:8085)

The app answers GET (and HEAD) on any path with "Hello, World!" as text/plain, with a
Content-Length, other methods with 405, like the Go servers' ServeMux pattern "GET /". With
--echo it answers any request with its body instead (bench/http/h1spec.sh). pywsgi's defaults
otherwise: a greenlet per connection, keep-alive, no access log (log=None, as for the other
servers). One change: each accepted socket gets TCP_NODELAY. pywsgi does not set it, and it
sends the headers and the body of a response in two writes, so without it every keep-alive
request after the first waits ~40 ms for the client's delayed ACK (Nagle): ~370 requests/s
with 16 connections, all of it waiting, which would measure the stall, not pywsgi's CPU.
run.sh pins it to core 0 with taskset; gevent is single-threaded. It must run under Debian's
/usr/bin/python3, which has gevent.
"""
import socket
import sys

from gevent import pywsgi

BODY = b"Hello, World!"


def hello(environ, start_response):
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")])
        return [b""]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]


def echo(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


class NoDelayServer(pywsgi.WSGIServer):
    """pywsgi.WSGIServer with TCP_NODELAY on each accepted socket (see the module doc)."""

    def handle(self, sock, address):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle(sock, address)


def main():
    args = sys.argv[1:]
    app = hello
    if args and args[0] == "--echo":
        app = echo
        args = args[1:]
    addr = args[0] if args else "127.0.0.1:8085"
    host, _, port = addr.rpartition(":")
    # backlog as for the Go servers, so that the idle test's burst of connects is not throttled.
    server = NoDelayServer((host, int(port)), app, log=None, backlog=4096)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

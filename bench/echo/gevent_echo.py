"""gevent's side of the echo comparison (bench/echo/run.sh): a gevent StreamServer echo.

Usage: /usr/bin/python3 bench/echo/gevent_echo.py [HOST:PORT]   (default 127.0.0.1:7003)

Each accepted socket gets TCP_NODELAY, so that Nagle's algorithm and delayed ACKs do not
distort the round trips, then one greenlet per connection echoes what it reads (4096-byte
recv, sendall) until the peer closes. run.sh pins it to core 0 with taskset; gevent is
single-threaded already. It must run under Debian's /usr/bin/python3, which has gevent.
"""
import socket
import sys

from gevent.server import StreamServer


def echo(sock, _address):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    recv = sock.recv
    sendall = sock.sendall
    try:
        while True:
            data = recv(4096)
            if not data:
                break
            sendall(data)
    except OSError:
        pass
    finally:
        sock.close()


def main():
    addr = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:7003"
    host, _, port = addr.rpartition(":")
    # backlog as for the Go servers (net and gnet use the kernel's somaxconn), so that the idle
    # test's burst of connects is not throttled by a small accept queue.
    server = StreamServer((host, int(port)), echo, backlog=4096)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

// Command netecho is the Go net baseline of the echo comparison (bench/echo/run.sh): an echo
// server with one goroutine per connection, each copying what it reads back to the sender.
//
// Run it single-threaded, as run.sh does: GOMAXPROCS=1 taskset -c 0 netecho -addr 127.0.0.1:7001.
// Go's net sets TCP_NODELAY on every TCP connection by default.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7001", "TCP address to listen on")
	size := flag.Int("buf", 4096, "read buffer size per connection, in bytes")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "netecho:", err)
		os.Exit(1)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			fmt.Fprintln(os.Stderr, "netecho:", err)
			os.Exit(1)
		}
		go echo(c, *size)
	}
}

// echo writes back everything it reads from c until a read or write fails, then closes c.
func echo(c net.Conn, size int) {
	defer c.Close()
	buf := make([]byte, size)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

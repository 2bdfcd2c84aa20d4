// Command gnetecho is the gnet v2 baseline of the echo comparison (bench/echo/run.sh): gnet's
// canonical echo handler on a single event loop (multicore off, no SO_REUSEPORT), with
// TCP_NODELAY on (gnet's default).
//
// Run it single-threaded, as run.sh does: GOMAXPROCS=1 taskset -c 0 gnetecho -addr 127.0.0.1:7002.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
)

// echoServer writes back every chunk it receives, as gnet's own echo example does.
type echoServer struct {
	gnet.BuiltinEventEngine
}

// OnTraffic echoes everything buffered on c.
func (*echoServer) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	if _, err := c.Write(buf); err != nil {
		return gnet.Close
	}
	return gnet.None
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7002", "TCP address to listen on")
	flag.Parse()

	err := gnet.Run(&echoServer{}, "tcp://"+*addr,
		gnet.WithMulticore(false),
		gnet.WithNumEventLoop(1),
		gnet.WithReusePort(false),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogLevel(logging.ErrorLevel),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gnetecho:", err)
		os.Exit(1)
	}
}

//go:build unix

package socket_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
)

// A LoopResolver reads the hosts file before asking any server; this one
// answers from a hosts file alone. To make every look-up of the package use
// it, assign it to socket.DefaultResolver.
func ExampleLoopResolver() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	hosts := filepath.Join(dir, "hosts")
	os.WriteFile(hosts, []byte("192.0.2.1 www.example.test\n2001:db8::1 www.example.test\n"), 0o644)

	r := &socket.LoopResolver{HostsFile: hosts, ConfigFile: os.DevNull}
	gevent.Run(func() {
		addrs, err := r.LookupHost(context.Background(), "www.example.test")
		fmt.Println(addrs, err)
	})
	// Output: [192.0.2.1 2001:db8::1] <nil>
}

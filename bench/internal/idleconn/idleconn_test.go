package idleconn

import (
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHold(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	dial := func() (net.Conn, error) { return net.Dial("tcp", ln.Addr().String()) }
	held, err := Hold(2*Dialers+3, dial)
	if err != nil {
		t.Fatalf("Hold = %v", err)
	}
	defer held.Close()
	for i, c := range held {
		if c == nil {
			t.Fatalf("connection %d is not held", i)
		}
	}

	var calls atomic.Int64
	boom := errors.New("boom")
	failing := func() (net.Conn, error) {
		if calls.Add(1) == 5 {
			return nil, boom
		}
		return dial()
	}
	if h, err := Hold(1000, failing); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "connection ") || h != nil {
		t.Errorf("Hold with a failing dial = %d held, %v; want none and \"connection N: boom\"", len(h), err)
	}
	if _, err := Hold(0, dial); err == nil {
		t.Error("Hold(0) = nil error")
	}
}

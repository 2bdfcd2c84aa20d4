package queue_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/queue"
)

// balance returns c.Balance and checks it against the blocked callers.
func balance(t *testing.T, c *queue.Channel[int]) int {
	t.Helper()
	g, p := queue.ChannelWaiting(c)
	if b := c.Balance(); b != p-g {
		t.Errorf("Balance = %d; want putters-getters = %d", b, p-g)
	}
	return c.Balance()
}

// TestChannelBehaviour checks the rows of gevent's Channel: a put waits for
// a getter, the non-blocking calls fail without a peer, Len is 0, Empty and
// Full are both true, and Balance is putters minus getters.
func TestChannelBehaviour(t *testing.T) {
	tests := []struct {
		name        string
		putters     int // greenlets blocked in Put(10+i) first
		getters     int // greenlets blocked in Get first
		op          func(c *queue.Channel[int]) (int, error)
		want        int
		wantErr     error
		wantBalance int // after op
	}{
		{"TryPut without getter", 0, 0, func(c *queue.Channel[int]) (int, error) { return 0, c.TryPut(1) }, 0, queue.ErrFull, 0},
		{"TryGet without putter", 0, 0, (*queue.Channel[int]).TryGet, 0, queue.ErrEmpty, 0},
		{"TryPut with a getter", 0, 1, func(c *queue.Channel[int]) (int, error) { return 0, c.TryPut(1) }, 0, nil, 0},
		{"TryPut with two getters", 0, 2, func(c *queue.Channel[int]) (int, error) { return 0, c.TryPut(1) }, 0, nil, -1},
		{"TryGet with putters", 2, 0, (*queue.Channel[int]).TryGet, 10, nil, 1},
		{"Get with putters", 2, 0, (*queue.Channel[int]).Get, 10, nil, 1},
		{"Put with a getter", 0, 1, func(c *queue.Channel[int]) (int, error) { return 0, c.Put(1) }, 0, nil, 0},
		{"PutTimeout without getter", 0, 0, func(c *queue.Channel[int]) (int, error) { return 0, c.PutTimeout(1, time.Millisecond) }, 0, queue.ErrFull, 0},
		{"GetTimeout without putter", 0, 0, (func(c *queue.Channel[int]) (int, error) { return c.GetTimeout(time.Millisecond) }), 0, queue.ErrEmpty, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, func() {
				c := queue.NewChannel[int]()
				var log []string
				var gs []*gevent.Greenlet[struct{}]
				for i := range tt.putters {
					gs = append(gs, gevent.Go(func() { log = append(log, fmt.Sprintf("put %d %v", 10+i, c.Put(10+i))) }))
				}
				for range tt.getters {
					gs = append(gs, gevent.Go(func() { v, err := c.Get(); log = append(log, fmt.Sprintf("got %d %v", v, err)) }))
				}
				gevent.Sleep(0)
				if b := balance(t, c); b != tt.putters-tt.getters {
					t.Errorf("Balance before = %d; want %d", b, tt.putters-tt.getters)
				}
				if c.Len() != 0 || !c.Empty() || !c.Full() {
					t.Errorf("Len, Empty, Full = %d, %v, %v; want 0, true, true", c.Len(), c.Empty(), c.Full())
				}
				gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Second) }) // keeps the hub alive
				v, err := tt.op(c)
				if v != tt.want || err != tt.wantErr {
					t.Errorf("op = %d, %v; want %d, %v", v, err, tt.want, tt.wantErr)
				}
				if b := balance(t, c); b != tt.wantBalance {
					t.Errorf("Balance after = %d; want %d", b, tt.wantBalance)
				}
				c.Shutdown()
				gevent.JoinAll(gs)
			})
		})
	}
}

func TestChannelPutWaitsForGetter(t *testing.T) {
	run(t, func() {
		c := queue.NewChannel[string]()
		var log []string
		p := gevent.Go(func() {
			for _, s := range []string{"a", "b"} {
				log = append(log, "put "+s)
				err := c.Put(s)
				log = append(log, fmt.Sprintf("put %s returned %v", s, err))
			}
		})
		gevent.Sleep(0)
		for range 2 {
			v, err := c.Get()
			log = append(log, fmt.Sprintf("got %s %v", v, err))
		}
		p.Join()
		// A put to a blocked getter hands the item over and lets the getter
		// run before it returns, as gevent's put does (checked in gevent
		// 22.10.2: put a, got a, put a returned, put b, got b, put b
		// returned).
		want := []string{"put a", "got a <nil>", "put a returned <nil>", "put b", "got b <nil>", "put b returned <nil>"}
		if !slices.Equal(log, want) {
			t.Errorf("log = %q; want %q", log, want)
		}
	})
}

func TestChannelServesFIFO(t *testing.T) {
	run(t, func() {
		c := queue.NewChannel[int]()
		var log []string
		var gs []*gevent.Greenlet[struct{}]
		for i := 1; i <= 3; i++ {
			gs = append(gs, gevent.Go(func() { log = append(log, fmt.Sprintf("put %d %v", i, c.Put(i))) }))
		}
		for _, name := range []string{"x", "y", "z"} {
			gs = append(gs, gevent.Go(func() {
				gevent.Sleep(0) // after the putters blocked
				v, err := c.Get()
				log = append(log, fmt.Sprintf("%s got %d %v", name, v, err))
			}))
		}
		gevent.JoinAll(gs)
		want := []string{"x got 1 <nil>", "y got 2 <nil>", "z got 3 <nil>", "put 1 <nil>", "put 2 <nil>", "put 3 <nil>"}
		if !slices.Equal(log, want) {
			t.Errorf("log = %q; want %q", log, want)
		}
	})
}

func TestChannelLoopCallback(t *testing.T) {
	tests := []struct {
		name    string
		peer    string // "getter", "putter" or ""
		op      func(c *queue.Channel[int]) (int, error)
		want    int
		wantErr error
		wantLog string // the blocked peer's result
	}{
		{"Put without getter fails", "", func(c *queue.Channel[int]) (int, error) { return 0, c.Put(1) }, 0, queue.ErrFull, ""},
		{"Put hands to a getter", "getter", func(c *queue.Channel[int]) (int, error) { return 0, c.Put(1) }, 0, nil, "got 1 <nil>"},
		{"Get without putter fails", "", (*queue.Channel[int]).Get, 0, queue.ErrEmpty, ""},
		{"Get takes from a putter", "putter", (*queue.Channel[int]).Get, 5, nil, "put <nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, func() {
				c := queue.NewChannel[int]()
				var log string
				var g *gevent.Greenlet[struct{}]
				switch tt.peer {
				case "getter":
					g = gevent.Go(func() { v, err := c.Get(); log = fmt.Sprintf("got %d %v", v, err) })
				case "putter":
					g = gevent.Go(func() { log = fmt.Sprintf("put %v", c.Put(5)) })
				}
				gevent.Sleep(0)
				var v int
				var err error
				gevent.CurrentHub().RunCallback(func() { v, err = tt.op(c) })
				gevent.Sleep(0)
				if v != tt.want || err != tt.wantErr {
					t.Errorf("op = %d, %v; want %d, %v", v, err, tt.want, tt.wantErr)
				}
				if g != nil {
					g.Join()
				}
				if log != tt.wantLog {
					t.Errorf("peer = %q; want %q", log, tt.wantLog)
				}
			})
		})
	}
}

func TestChannelShutdown(t *testing.T) {
	run(t, func() {
		c := queue.NewChannel[int]()
		errs := make([]error, 2)
		blocked := []*gevent.Greenlet[struct{}]{
			gevent.Go(func() { errs[0] = c.Put(99) }),
			gevent.Go(func() { errs[1] = c.Put(98) }),
		}
		gevent.Sleep(0)
		c.Shutdown()
		gevent.JoinAll(blocked)
		for i, err := range errs {
			if err != queue.ErrShutDown {
				t.Errorf("blocked Put %d = %v; want ErrShutDown", i, err)
			}
		}
		if !c.IsShutDown() {
			t.Errorf("IsShutDown = false; want true")
		}
		if err := c.TryPut(1); err != queue.ErrShutDown {
			t.Errorf("TryPut after Shutdown = %v; want ErrShutDown", err)
		}
		if _, err := c.Get(); err != queue.ErrShutDown {
			t.Errorf("Get after Shutdown = %v; want ErrShutDown", err)
		}
	})
}

func TestChannelAllUntilShutdown(t *testing.T) {
	run(t, func() {
		c := queue.NewChannel[int]()
		var got []int
		cons := gevent.Go(func() {
			for v := range c.All() {
				got = append(got, v)
			}
		})
		for i := 1; i <= 3; i++ {
			if err := c.Put(i); err != nil {
				t.Errorf("Put(%d) = %v; want nil", i, err)
			}
		}
		c.Shutdown()
		cons.Join()
		if want := []int{1, 2, 3}; !slices.Equal(got, want) {
			t.Errorf("All = %v; want %v", got, want)
		}
	})
}

func TestChannelZeroValue(t *testing.T) {
	run(t, func() {
		var c queue.Channel[int]
		if err := c.TryPut(1); err != queue.ErrFull {
			t.Errorf("TryPut on zero Channel = %v; want ErrFull", err)
		}
		g := gevent.Spawn(c.Get)
		gevent.Sleep(0)
		if err := c.TryPut(2); err != nil {
			t.Errorf("TryPut with a getter = %v; want nil", err)
		}
		if v, err := g.Get(); v != 2 || err != nil {
			t.Errorf("Get = %d, %v; want 2, nil", v, err)
		}
	})
}

package queue_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
	"github.com/geventgo/gevent/queue"
)

// run runs fn as the main of a fresh hub.
func run(t *testing.T, fn func()) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatalf("gevent.Run = %v", err)
	}
}

// waitFor polls cond until it holds, sleeping cooperatively on a hub and
// with time.Sleep elsewhere; it fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting for %s", what)
			return
		}
		if hubapi.CurrentHubIfAny() != nil {
			gevent.Sleep(100 * time.Microsecond)
		} else {
			time.Sleep(100 * time.Microsecond)
		}
	}
}

// waiting returns the counts of blocked getters, putters and joiners.
func waiting[T any](q *queue.Queue[T]) [3]int {
	g, p, j := queue.Waiting(q)
	return [3]int{g, p, j}
}

func TestPutGetFIFO(t *testing.T) {
	run(t, func() {
		q := queue.New[int](0)
		for i := range 5 {
			if err := q.Put(i); err != nil {
				t.Fatalf("Put(%d) = %v; want nil", i, err)
			}
		}
		for i := range 5 {
			if v, err := q.Get(); v != i || err != nil {
				t.Errorf("Get = %d, %v; want %d, nil", v, err, i)
			}
		}
	})
}

func TestRingOrderAcrossGrowAndShrink(t *testing.T) {
	var q queue.Queue[int] // the zero value is an unbounded FIFO
	next, want := 0, 0
	for round := range 6 {
		for range 300 * (round%3 + 1) {
			if err := q.TryPut(next); err != nil {
				t.Fatalf("TryPut = %v; want nil", err)
			}
			next++
		}
		for range 250 * (round%3 + 1) {
			if v, err := q.TryGet(); v != want || err != nil {
				t.Fatalf("TryGet = %d, %v; want %d, nil", v, err, want)
			}
			want++
		}
	}
	for ; want < next; want++ {
		if v, err := q.TryGet(); v != want || err != nil {
			t.Fatalf("TryGet = %d, %v; want %d, nil", v, err, want)
		}
	}
	if v, err := q.TryGet(); err != queue.ErrEmpty {
		t.Errorf("TryGet on drained queue = %d, %v; want ErrEmpty", v, err)
	}
}

func TestSizeAccessors(t *testing.T) {
	tests := []struct {
		name                 string
		maxsize, puts        int
		wantLen, wantMaxsize int
		wantEmpty, wantFull  bool
	}{
		{"unbounded empty", 0, 0, 0, 0, true, false},
		{"unbounded many", 0, 100, 100, 0, false, false},
		{"negative maxsize is unbounded", -3, 10, 10, 0, false, false},
		{"bounded partly", 3, 2, 2, 3, false, false},
		{"bounded full", 3, 3, 3, 3, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := queue.New[int](tt.maxsize)
			for i := range tt.puts {
				if err := q.TryPut(i); err != nil {
					t.Fatalf("TryPut(%d) = %v; want nil", i, err)
				}
			}
			if got := q.Len(); got != tt.wantLen {
				t.Errorf("Len = %d; want %d", got, tt.wantLen)
			}
			if got := q.Empty(); got != tt.wantEmpty {
				t.Errorf("Empty = %v; want %v", got, tt.wantEmpty)
			}
			if got := q.Full(); got != tt.wantFull {
				t.Errorf("Full = %v; want %v", got, tt.wantFull)
			}
			if got := q.Maxsize(); got != tt.wantMaxsize {
				t.Errorf("Maxsize = %d; want %d", got, tt.wantMaxsize)
			}
		})
	}
}

func TestNonBlocking(t *testing.T) {
	tests := []struct {
		name    string
		maxsize int
		fill    []int
		op      func(q *queue.Queue[int]) (int, error)
		want    int
		wantErr error
		wantLen int
	}{
		{"TryGet on empty", 0, nil, (*queue.Queue[int]).TryGet, 0, queue.ErrEmpty, 0},
		{"TryPeek on empty", 0, nil, (*queue.Queue[int]).TryPeek, 0, queue.ErrEmpty, 0},
		{"TryGet takes the head", 0, []int{7, 8}, (*queue.Queue[int]).TryGet, 7, nil, 1},
		{"TryPeek does not remove", 0, []int{7, 8}, (*queue.Queue[int]).TryPeek, 7, nil, 2},
		{"TryPut on full", 2, []int{1, 2}, func(q *queue.Queue[int]) (int, error) { return 0, q.TryPut(3) }, 0, queue.ErrFull, 2},
		{"TryPut with room", 2, []int{1}, func(q *queue.Queue[int]) (int, error) { return 0, q.TryPut(3) }, 0, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := queue.New[int](tt.maxsize)
			for _, v := range tt.fill {
				q.TryPut(v)
			}
			got, err := tt.op(q)
			if got != tt.want || err != tt.wantErr {
				t.Errorf("got %d, %v; want %d, %v", got, err, tt.want, tt.wantErr)
			}
			if n := q.Len(); n != tt.wantLen {
				t.Errorf("Len = %d; want %d", n, tt.wantLen)
			}
		})
	}
}

func TestPeekDoesNotRemove(t *testing.T) {
	run(t, func() {
		q := queue.New[int](0)
		q.Put(1)
		for range 2 {
			if v, err := q.Peek(); v != 1 || err != nil {
				t.Errorf("Peek = %d, %v; want 1, nil", v, err)
			}
		}
		if n := q.Len(); n != 1 {
			t.Errorf("Len after Peek = %d; want 1", n)
		}
		if v, err := q.Get(); v != 1 || err != nil {
			t.Errorf("Get = %d, %v; want 1, nil", v, err)
		}
	})
}

// TestBlockedPeekersAndGetters: peekers blocked before the first getter see
// the item a putter hands to that getter; peekers after it keep waiting.
func TestBlockedPeekersAndGetters(t *testing.T) {
	run(t, func() {
		q := queue.New[int](0)
		var log []string
		record := func(name string, v int, err error) {
			log = append(log, fmt.Sprintf("%s %d %v", name, v, err))
		}
		gs := []*gevent.Greenlet[struct{}]{
			gevent.Go(func() { v, err := q.Peek(); record("peek1", v, err) }),
			gevent.Go(func() { v, err := q.Get(); record("get", v, err) }),
			gevent.Go(func() { v, err := q.PeekTimeout(20 * time.Millisecond); record("peek2", v, err) }),
		}
		gevent.Sleep(0)
		if got, want := waiting(q), [3]int{3, 0, 0}; got != want {
			t.Errorf("waiting = %v; want %v", got, want)
		}
		q.Put(5)
		gevent.JoinAll(gs)
		want := []string{"peek1 5 <nil>", "get 5 <nil>", "peek2 0 queue: empty"}
		if !slices.Equal(log, want) {
			t.Errorf("log = %q; want %q", log, want)
		}
		if n := q.Len(); n != 0 {
			t.Errorf("Len = %d; want 0", n)
		}
	})
}

func TestBlockedGettersServedFIFO(t *testing.T) {
	run(t, func() {
		q := queue.New[int](0)
		var log []string
		var gs []*gevent.Greenlet[struct{}]
		for _, name := range []string{"a", "b", "c"} {
			gs = append(gs, gevent.Go(func() {
				v, err := q.Get()
				log = append(log, fmt.Sprintf("%s=%d %v", name, v, err))
			}))
		}
		gevent.Sleep(0) // all three block, in spawn order
		for i := 1; i <= 3; i++ {
			q.Put(i)
		}
		gevent.JoinAll(gs)
		want := []string{"a=1 <nil>", "b=2 <nil>", "c=3 <nil>"}
		if !slices.Equal(log, want) {
			t.Errorf("log = %q; want %q", log, want)
		}
	})
}

func TestBlockedPuttersServedFIFO(t *testing.T) {
	run(t, func() {
		q := queue.New[int](1)
		q.Put(0)
		var log []string
		var gs []*gevent.Greenlet[struct{}]
		for i := 1; i <= 3; i++ {
			gs = append(gs, gevent.Go(func() {
				err := q.Put(i)
				log = append(log, fmt.Sprintf("put %d %v", i, err))
			}))
		}
		gevent.Sleep(0) // all three block on the full queue
		for range 4 {
			v, err := q.Get()
			log = append(log, fmt.Sprintf("get %d %v", v, err))
		}
		gevent.JoinAll(gs)
		want := []string{"get 0 <nil>", "get 1 <nil>", "get 2 <nil>", "get 3 <nil>",
			"put 1 <nil>", "put 2 <nil>", "put 3 <nil>"}
		if !slices.Equal(log, want) {
			t.Errorf("log = %q; want %q", log, want)
		}
	})
}

func TestTimeoutExpiry(t *testing.T) {
	const d = 20 * time.Millisecond
	tests := []struct {
		name    string
		fill    []int // into a Queue of size 1
		op      func(q *queue.Queue[int]) error
		wantErr error
		wantLen int
	}{
		{"GetTimeout on empty", nil, func(q *queue.Queue[int]) error { _, err := q.GetTimeout(d); return err }, queue.ErrEmpty, 0},
		{"PeekTimeout on empty", nil, func(q *queue.Queue[int]) error { _, err := q.PeekTimeout(d); return err }, queue.ErrEmpty, 0},
		{"PutTimeout on full", []int{1}, func(q *queue.Queue[int]) error { return q.PutTimeout(2, d) }, queue.ErrFull, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, func() {
				q := queue.New[int](1)
				for _, v := range tt.fill {
					q.Put(v)
				}
				gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Second) }) // keeps the hub alive
				start := time.Now()
				err := tt.op(q)
				elapsed := time.Since(start)
				if err != tt.wantErr {
					t.Errorf("err = %v; want %v", err, tt.wantErr)
				}
				if elapsed < d-time.Millisecond || elapsed > d+10*time.Second {
					t.Errorf("returned after %v; want about %v", elapsed, d)
				}
				if got := waiting(q); got != [3]int{} {
					t.Errorf("waiting after expiry = %v; want none", got)
				}
				if n := q.Len(); n != tt.wantLen {
					t.Errorf("Len = %d; want %d", n, tt.wantLen)
				}
			})
		})
	}
}

// TestGivenUpGetterGetsNothing: after a getter's wait expired, a put goes
// into the queue, not to the departed getter.
func TestGivenUpGetterGetsNothing(t *testing.T) {
	run(t, func() {
		q := queue.New[int](0)
		var err error
		gevent.Go(func() { _, err = q.GetTimeout(time.Millisecond) }).Join()
		if err != queue.ErrEmpty {
			t.Fatalf("GetTimeout = %v; want ErrEmpty", err)
		}
		q.Put(9)
		if v, err := q.TryGet(); v != 9 || err != nil {
			t.Errorf("TryGet = %d, %v; want 9, nil", v, err)
		}
	})
}

func TestKillBlockedCaller(t *testing.T) {
	tests := []struct {
		name    string
		fill    []int // into a Queue of size 1
		op      func(q *queue.Queue[int]) error
		wantLen int
	}{
		{"getter", nil, func(q *queue.Queue[int]) error { _, err := q.Get(); return err }, 1},
		{"peeker", nil, func(q *queue.Queue[int]) error { _, err := q.Peek(); return err }, 1},
		{"putter", []int{1}, func(q *queue.Queue[int]) error { return q.Put(2) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, func() {
				q := queue.New[int](1)
				for _, v := range tt.fill {
					q.Put(v)
				}
				var opErr error
				g := gevent.Go(func() { opErr = tt.op(q) })
				gevent.Sleep(0)
				g.Kill()
				if !errors.Is(opErr, gevent.ErrGreenletExit) {
					t.Errorf("blocked call = %v; want ErrGreenletExit", opErr)
				}
				if got := waiting(q); got != [3]int{} {
					t.Errorf("waiting after kill = %v; want none", got)
				}
				if len(tt.fill) == 0 {
					q.Put(3) // must stay in the queue
				} else if v, err := q.Get(); v != 1 || err != nil {
					t.Errorf("Get = %d, %v; want 1, nil", v, err)
				}
				if n := q.Len(); n != tt.wantLen {
					t.Errorf("Len = %d; want %d", n, tt.wantLen)
				}
			})
		})
	}
}

func TestTimeoutInterruptsGet(t *testing.T) {
	run(t, func() {
		q := queue.New[int](0)
		gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Second) })
		err := gevent.WithTimeout(5*time.Millisecond, func() error {
			_, err := q.Get()
			return err
		})
		var to *gevent.Timeout
		if !errors.As(err, &to) || !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Get under Timeout = %v; want the *gevent.Timeout", err)
		}
		if got := waiting(q); got != [3]int{} {
			t.Errorf("waiting = %v; want none", got)
		}
	})
}

func TestLoopExit(t *testing.T) {
	tests := []struct {
		name string
		op   func(q *queue.Queue[int]) error
	}{
		{"Get on empty", func(q *queue.Queue[int]) error { _, err := q.Get(); return err }},
		{"Peek on empty", func(q *queue.Queue[int]) error { _, err := q.Peek(); return err }},
		{"Put on full", func(q *queue.Queue[int]) error { q.Put(1); return q.Put(2) }},
		{"Join with an unfinished task", func(q *queue.Queue[int]) error { q.Put(1); q.Get(); return q.Join() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, func() {
				q := queue.New[int](1)
				if err := tt.op(q); !errors.Is(err, gevent.ErrLoopExit) {
					t.Errorf("err = %v; want ErrLoopExit", err)
				}
				if got := waiting(q); got != [3]int{} {
					t.Errorf("waiting = %v; want none", got)
				}
			})
		})
	}
}

// TestShareKeepsHubAlive: a hub's main blocked on a queue that a goroutine
// uses only later gets the item when the queue was declared shared.
func TestShareKeepsHubAlive(t *testing.T) {
	q := queue.New[int](0)
	q.Share()
	done := make(chan struct{})
	go func() {
		defer close(done)
		waitFor(t, "the blocked getter", func() bool { return waiting(q)[0] == 1 })
		q.Put(4)
	}()
	run(t, func() {
		if v, err := q.Get(); v != 4 || err != nil {
			t.Errorf("Get = %d, %v; want 4, nil", v, err)
		}
	})
	<-done
}

func TestLoopCallbackNeverBlocks(t *testing.T) {
	tests := []struct {
		name    string
		fill    []int // into a Queue of size 1
		getter  bool  // a greenlet is blocked in Get first
		op      func(q *queue.Queue[int]) (int, error)
		want    int
		wantErr error
		wantGot string // what the blocked getter received
	}{
		{"Put on full fails", []int{1}, false, func(q *queue.Queue[int]) (int, error) { return 0, q.Put(2) }, 0, queue.ErrFull, ""},
		{"Put with room", nil, false, func(q *queue.Queue[int]) (int, error) { return 0, q.Put(2) }, 0, nil, ""},
		{"Put hands to a blocked getter", nil, true, func(q *queue.Queue[int]) (int, error) { return 0, q.Put(2) }, 0, nil, "2 <nil>"},
		{"Get on empty fails", nil, false, (*queue.Queue[int]).Get, 0, queue.ErrEmpty, ""},
		{"Peek on empty fails", nil, false, (*queue.Queue[int]).Peek, 0, queue.ErrEmpty, ""},
		{"Get takes an item", []int{1}, false, (*queue.Queue[int]).Get, 1, nil, ""},
		{"GetTimeout on empty fails", nil, false, func(q *queue.Queue[int]) (int, error) { return q.GetTimeout(time.Hour) }, 0, queue.ErrEmpty, ""},
		{"PutTimeout on full fails", []int{1}, false, func(q *queue.Queue[int]) (int, error) { return 0, q.PutTimeout(2, time.Hour) }, 0, queue.ErrFull, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, func() {
				q := queue.New[int](1)
				for _, v := range tt.fill {
					q.Put(v)
				}
				var got string
				var g *gevent.Greenlet[struct{}]
				if tt.getter {
					g = gevent.Go(func() { v, err := q.Get(); got = fmt.Sprintf("%d %v", v, err) })
					gevent.Sleep(0)
				}
				var v int
				var err error
				inCallback := false
				gevent.CurrentHub().RunCallback(func() {
					inCallback = hubapi.InLoopCallback()
					v, err = tt.op(q)
				})
				gevent.Sleep(0) // the callback runs first
				if !inCallback {
					t.Fatalf("InLoopCallback in the callback = false; want true")
				}
				if v != tt.want || err != tt.wantErr {
					t.Errorf("op = %d, %v; want %d, %v", v, err, tt.want, tt.wantErr)
				}
				if g != nil {
					g.Join()
				}
				if got != tt.wantGot {
					t.Errorf("blocked getter got %q; want %q", got, tt.wantGot)
				}
			})
		})
	}
}

func TestAllUntilShutdown(t *testing.T) {
	run(t, func() {
		q := queue.New[int](2)
		gevent.Go(func() {
			for i := 1; i <= 5; i++ {
				q.Put(i)
			}
			q.Shutdown()
		})
		var got []int
		for v := range q.All() {
			got = append(got, v)
		}
		if want := []int{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
			t.Errorf("All = %v; want %v", got, want)
		}
	})
}

func TestAllStopsOnBreak(t *testing.T) {
	q := queue.New[int](0)
	for i := range 5 {
		q.TryPut(i)
	}
	var got []int
	for v := range q.All() {
		got = append(got, v)
		if v == 2 {
			break
		}
	}
	if want := []int{0, 1, 2}; !slices.Equal(got, want) {
		t.Errorf("All = %v; want %v", got, want)
	}
	if n := q.Len(); n != 2 {
		t.Errorf("Len = %d; want 2", n)
	}
}

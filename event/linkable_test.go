package event_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
)

// longWait bounds every cross-goroutine wait, so that a lost wake-up fails
// the test instead of hanging it.
const longWait = 20 * time.Second

func TestWaitListLinks(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		unlink func(i int) bool // which of the n links to remove
	}{
		{"none", 5, func(int) bool { return false }},
		{"all in order", 40, func(int) bool { return true }},
		{"oldest half", 40, func(i int) bool { return i < 20 }},
		{"every other", 100, func(i int) bool { return i%2 == 0 }},
		{"all but the last", 100, func(i int) bool { return i != 99 }},
		{"newest", 10, func(i int) bool { return i >= 5 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e event.Event
			var ran, want []int
			ids := make([]gevent.LinkID, tt.n)
			for i := range ids {
				ids[i] = e.RawLink(func() { ran = append(ran, i) })
			}
			for i, id := range ids {
				if tt.unlink(i) {
					e.Unlink(id)
					e.Unlink(id) // twice: ignored
				} else {
					want = append(want, i)
				}
			}
			if got := e.LinkCount(); got != len(want) {
				t.Errorf("LinkCount = %d; want %d", got, len(want))
			}
			// A goroutine without a hub runs the links synchronously.
			e.Set()
			if !slices.Equal(ran, want) {
				t.Errorf("links ran %v; want %v", ran, want)
			}
			e.Clear()
			e.RawLink(func() { ran = append(ran, -1) })
			e.Set()
			if got := ran[len(ran)-1]; got != -1 || e.LinkCount() != 0 {
				t.Errorf("after reuse: last link %d, LinkCount %d; want -1, 0", got, e.LinkCount())
			}
		})
	}
}

// runOn runs fn on a new goroutine, inside gevent.Run when hub is true,
// and returns a channel closed when fn has returned.
func runOn(t *testing.T, hub bool, fn func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if !hub {
			fn()
			return
		}
		if err := gevent.Run(fn); err != nil {
			t.Errorf("gevent.Run = %v", err)
		}
	}()
	return done
}

func waitDone(t *testing.T, chans ...<-chan struct{}) {
	t.Helper()
	for _, c := range chans {
		select {
		case <-c:
		case <-time.After(2 * longWait):
			t.Fatal("a side did not finish")
		}
	}
}

var pairings = []struct {
	name              string
	wakerHub, waitHub bool
}{
	{"hub to other hub", true, true},
	{"plain goroutine to hub", false, true},
	{"hub to plain goroutine", true, false},
	{"plain goroutine to plain goroutine", false, false},
}

// TestCrossEventSet has one side set an Event that five waiters on the
// other side wait for. Greenlets of one hub wake in the order they waited.
func TestCrossEventSet(t *testing.T) {
	for _, p := range pairings {
		t.Run(p.name, func(t *testing.T) {
			var e event.Event
			e.IsSet() // used by this goroutine, which has no hub: shared
			waiting := make(chan struct{})
			var order []int
			var mu sync.Mutex
			waiters := runOn(t, p.waitHub, func() {
				var wg sync.WaitGroup
				var gs []*gevent.Greenlet[struct{}]
				for i := range 5 {
					body := func() {
						ok, err := e.WaitTimeout(longWait)
						mu.Lock()
						order = append(order, i)
						mu.Unlock()
						if !ok || err != nil {
							t.Errorf("waiter %d: WaitTimeout = %v, %v; want true, nil", i, ok, err)
						}
					}
					if p.waitHub {
						gs = append(gs, gevent.Go(body))
					} else {
						wg.Go(body)
					}
				}
				if p.waitHub {
					gevent.Sleep(0)
					close(waiting)
					joinAll(t, gs...)
					return
				}
				for e.LinkCount() < 5 {
					time.Sleep(time.Millisecond)
				}
				close(waiting)
				wg.Wait()
			})
			waker := runOn(t, p.wakerHub, func() {
				<-waiting
				e.Set()
			})
			waitDone(t, waiters, waker)
			if p.waitHub && !slices.Equal(order, []int{0, 1, 2, 3, 4}) {
				t.Errorf("wake order = %v; want FIFO", order)
			}
			if len(order) != 5 || e.LinkCount() != 0 {
				t.Errorf("woke %d, LinkCount %d; want 5, 0", len(order), e.LinkCount())
			}
		})
	}
}

// TestCrossSharing shows the sharing rule of the package documentation: a
// hub with nothing else to do that waits on an object only it has used
// reports ErrLoopExit; once the setting hub has used the object first, the
// waiting hub stays alive until the Set.
func TestCrossSharing(t *testing.T) {
	var lone event.AsyncResult[int]
	if err := gevent.Run(func() {
		if err := lone.Wait(); !errors.Is(err, gevent.ErrLoopExit) {
			t.Errorf("Wait on an unshared result = %v; want ErrLoopExit", err)
		}
	}); err != nil {
		t.Fatal(err)
	}

	var ar event.AsyncResult[int]
	used, waiting := make(chan struct{}), make(chan struct{})
	setter := runOn(t, true, func() {
		ar.Ready()
		close(used)
		<-waiting
		ar.Set(42)
	})
	getter := runOn(t, true, func() {
		<-used
		gevent.Go(func() {
			gevent.Sleep(time.Millisecond)
			close(waiting)
		})
		if v, err := ar.GetTimeout(longWait); v != 42 || err != nil {
			t.Errorf("Get = %v, %v; want 42, nil", v, err)
		}
	})
	waitDone(t, setter, getter)
}

// hop is one message of a relay: the round number and the result the
// sender will set next.
type hop struct {
	n    int
	next *event.AsyncResult[hop]
}

// sendHop sets ar to round n with a fresh result for the next round, which
// the sender uses first so that the receiver's use marks it shared.
func sendHop(ar *event.AsyncResult[hop], n int) *event.AsyncResult[hop] {
	next := new(event.AsyncResult[hop])
	next.Ready()
	ar.Set(hop{n: n, next: next})
	return next
}

// recvHop waits for round n on ar, at most d (d < 0: no limit), and returns
// the result of round n+1.
func recvHop(ar *event.AsyncResult[hop], n int, d time.Duration) (*event.AsyncResult[hop], error) {
	var h hop
	var err error
	if d < 0 {
		h, err = ar.Get()
	} else {
		h, err = ar.GetTimeout(d)
	}
	if err != nil {
		return nil, err
	}
	if h.n != n {
		return nil, fmt.Errorf("got round %d; want %d", h.n, n)
	}
	return h.next, nil
}

// relay plays one side of a ping-pong of rounds through fresh
// AsyncResults: the starter sends first, the other answers. Each wait is
// limited to d (d < 0: no limit).
func relay(send, recv *event.AsyncResult[hop], rounds int, starter bool, d time.Duration) error {
	var err error
	for i := range rounds {
		if starter {
			send = sendHop(send, i)
		}
		if recv, err = recvHop(recv, i, d); err != nil {
			return err
		}
		if !starter {
			send = sendHop(send, i)
		}
	}
	return nil
}

// eventPingPong plays one side of a ping-pong through two Events: the
// starter sets ping and waits for pong; the other waits for ping, clears
// it and sets pong. seq checks that every wake-up matches one round.
func eventPingPong(ping, pong *event.Event, seq *atomic.Int64, rounds int, starter bool) error {
	for i := range int64(rounds) {
		if starter {
			seq.Store(i)
			ping.Set()
			if ok, err := pong.WaitTimeout(longWait); !ok || err != nil {
				return fmt.Errorf("round %d: WaitTimeout = %v, %v", i, ok, err)
			}
			pong.Clear()
			continue
		}
		if ok, err := ping.WaitTimeout(longWait); !ok || err != nil {
			return fmt.Errorf("round %d: WaitTimeout = %v, %v", i, ok, err)
		}
		ping.Clear()
		if got := seq.Load(); got != i {
			return fmt.Errorf("woke for round %d; want %d", got, i)
		}
		pong.Set()
	}
	return nil
}

// TestCrossPingPong runs every pairing at once, twice: 16 goroutines, each
// pair ping-ponging many rounds through Events and through AsyncResults.
// The same-hub pairing runs two greenlets of one hub.
func TestCrossPingPong(t *testing.T) {
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	type pair struct {
		name       string
		aHub, bHub bool
	}
	var pairs []pair
	for _, p := range pairings {
		pairs = append(pairs, pair{p.name, p.wakerHub, p.waitHub})
	}
	var done []<-chan struct{}
	for _, p := range pairs {
		for _, kind := range []string{"Event", "AsyncResult"} {
			var side func(starter bool) error
			if kind == "Event" {
				var ping, pong event.Event
				var seq atomic.Int64
				ping.IsSet()
				pong.IsSet()
				side = func(starter bool) error { return eventPingPong(&ping, &pong, &seq, rounds, starter) }
			} else {
				a, b := new(event.AsyncResult[hop]), new(event.AsyncResult[hop])
				a.Ready()
				b.Ready()
				side = func(starter bool) error {
					if starter {
						return relay(a, b, rounds, true, longWait)
					}
					return relay(b, a, rounds, false, longWait)
				}
			}
			for _, starter := range []bool{true, false} {
				onHub := p.aHub
				if !starter {
					onHub = p.bHub
				}
				done = append(done, runOn(t, onHub, func() {
					if err := side(starter); err != nil {
						t.Errorf("%s %s (starter %v): %v", kind, p.name, starter, err)
					}
				}))
			}
		}
	}
	// The same-hub pairing.
	done = append(done, runOn(t, true, func() {
		var ping, pong event.Event
		var seq atomic.Int64
		a, b := new(event.AsyncResult[hop]), new(event.AsyncResult[hop])
		gs := []*gevent.Greenlet[int]{
			gevent.Spawn(func() (int, error) { return 0, eventPingPong(&ping, &pong, &seq, rounds, true) }),
			gevent.Spawn(func() (int, error) { return 0, eventPingPong(&ping, &pong, &seq, rounds, false) }),
			gevent.Spawn(func() (int, error) { return 0, relay(a, b, rounds, true, longWait) }),
			gevent.Spawn(func() (int, error) { return 0, relay(b, a, rounds, false, longWait) }),
		}
		joinAll(t, gs...)
		for i, g := range gs {
			if err := g.Err(); err != nil {
				t.Errorf("same hub, greenlet %d: %v", i, err)
			}
		}
	}))
	waitDone(t, done...)
}

// TestCrossTimeoutRace has waiters on two hubs time out while plain
// goroutines set and clear the Event: every wait ends, and none is left on
// the list.
func TestCrossTimeoutRace(t *testing.T) {
	var e event.Event
	e.IsSet()
	var stop atomic.Bool
	setter := runOn(t, false, func() {
		for !stop.Load() {
			e.Set()
			e.Clear()
			time.Sleep(50 * time.Microsecond)
		}
	})
	var hubs []<-chan struct{}
	for range 2 {
		hubs = append(hubs, runOn(t, true, func() {
			var gs []*gevent.Greenlet[struct{}]
			for range 20 {
				gs = append(gs, gevent.Go(func() {
					for range 50 {
						if _, err := e.WaitTimeout(100 * time.Microsecond); err != nil {
							t.Errorf("WaitTimeout = %v", err)
							return
						}
					}
				}))
			}
			joinAll(t, gs...)
		}))
	}
	waitDone(t, hubs...)
	stop.Store(true)
	waitDone(t, setter)
	if n := e.LinkCount(); n != 0 {
		t.Errorf("LinkCount = %d; want 0", n)
	}
}

// TestHubDestroyedWhileWaiting ends gevent.Run while greenlets wait: one
// still on the list, one already woken by Set but not yet resumed. Both are
// unwound; the Event forgets them, and a later Wait on the set Event does
// not queue behind a wake-up that will never run.
func TestHubDestroyedWhileWaiting(t *testing.T) {
	var e, never event.Event
	run(t, func() {
		gevent.Go(func() { never.Wait() })
		gevent.Go(func() { e.Wait() })
		gevent.Sleep(0)
		e.Set() // the woken greenlet is unwound before it runs
	})
	if n, m := e.LinkCount(), never.LinkCount(); n != 0 || m != 0 {
		t.Errorf("LinkCount = %d, %d after the hub ended; want 0, 0", n, m)
	}
	never.Set() // nobody to wake
	var log []string
	run(t, func() {
		g := gevent.Go(func() { log = append(log, "other greenlet") })
		log = append(log, fmt.Sprint("waited ", e.Wait()))
		joinAll(t, g)
	})
	if want := []string{"waited <nil>", "other greenlet"}; !slices.Equal(log, want) {
		t.Errorf("log = %q; want %q", log, want)
	}
}

// TestQueueBehindTimeout has a caller find the Event set while 120 woken
// waiters are still queued, each holding the hub for 120µs, so that the
// hub's 5 ms callback batch ends before the caller's turn and its 1 ms
// limit passes first. WaitTimeout still reports true (the flag was up when
// it was called), and the caller no longer counts as in flight afterwards.
func TestQueueBehindTimeout(t *testing.T) {
	run(t, func() {
		var e event.Event
		var gs []*gevent.Greenlet[struct{}]
		for range 120 {
			gs = append(gs, gevent.Go(func() {
				e.Wait()
				time.Sleep(120 * time.Microsecond) // holds the hub on purpose
			}))
		}
		gevent.Sleep(0)
		e.Set()
		if ok, err := e.WaitTimeout(time.Millisecond); !ok || err != nil {
			t.Errorf("WaitTimeout behind the waiters = %v, %v; want true, nil", ok, err)
		}
		joinAll(t, gs...)
		var log []string
		g := gevent.Go(func() { log = append(log, "other greenlet") })
		log = append(log, fmt.Sprint("waited ", e.Wait()))
		joinAll(t, g)
		if want := []string{"waited <nil>", "other greenlet"}; !slices.Equal(log, want) {
			t.Errorf("log = %q; want %q", log, want)
		}
	})
}

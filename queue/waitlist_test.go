package queue_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/queue"
)

// Contexts a queue's callers run in; each gets its own goroutine, so two
// contexts of a hub kind are two hubs.
const (
	plain    = "goroutine"
	hubMain  = "hub main"
	greenlet = "greenlet"
)

// start runs body in a new context of kind k; the channel is closed when
// body has returned.
func start(k string, body func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		switch k {
		case plain:
			body()
		case hubMain:
			gevent.Run(body)
		case greenlet:
			gevent.Run(func() { gevent.Go(body).Join() })
		}
	}()
	return done
}

// ops is the part of Queue and Channel the cross-context tests use.
type ops struct {
	put      func(int) error
	get      func() (int, error)
	shutdown func()
}

func queueOps(q *queue.Queue[int]) ops {
	return ops{q.Put, q.Get, q.Shutdown}
}

func channelOps(c *queue.Channel[int]) ops {
	return ops{c.Put, c.Get, c.Shutdown}
}

// tally counts items by value; it is safe for concurrent use.
type tally struct {
	mu sync.Mutex
	n  map[int]int
}

func (c *tally) add(v int) {
	c.mu.Lock()
	if c.n == nil {
		c.n = make(map[int]int)
	}
	c.n[v]++
	c.mu.Unlock()
}

// checkExactlyOnce fails unless every item of put was got exactly once and
// nothing else was got.
func checkExactlyOnce(t *testing.T, put, got *tally) {
	t.Helper()
	bad := 0
	for v, n := range put.n {
		if n != 1 || got.n[v] != 1 {
			if bad++; bad <= 5 {
				t.Errorf("item %d: put %d times, got %d times; want 1, 1", v, n, got.n[v])
			}
		}
	}
	for v, n := range got.n {
		if put.n[v] == 0 {
			if bad++; bad <= 5 {
				t.Errorf("item %d: got %d times, never put", v, n)
			}
		}
	}
}

// TestCrossContextPairings passes items between every pairing of consumer
// and producer contexts (plain goroutines, hubs' mains, greenlets of other
// hubs, greenlets of one hub), several of each, through a Queue of size 1
// and a Channel, so that both sides block and are woken across contexts.
func TestCrossContextPairings(t *testing.T) {
	const workers, items = 3, 150
	kinds := []string{plain, hubMain, greenlet, "same hub"}
	for _, kind := range []string{"Queue", "Channel"} {
		for _, ck := range kinds {
			for _, pk := range kinds {
				if (ck == "same hub") != (pk == "same hub") {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s consumers/%s producers", kind, ck, pk), func(t *testing.T) {
					var o ops
					if kind == "Queue" {
						q := queue.New[int](1)
						q.Share()
						o = queueOps(q)
					} else {
						c := queue.NewChannel[int]()
						c.Share()
						o = channelOps(c)
					}
					var put, got tally
					consume := func() {
						for {
							v, err := o.get()
							if err == queue.ErrShutDown {
								return
							}
							if err != nil {
								t.Errorf("Get = %v; want nil or ErrShutDown", err)
								return
							}
							got.add(v)
						}
					}
					produce := func(id int) func() {
						return func() {
							for i := range items {
								v := id*items + i
								if err := o.put(v); err != nil {
									t.Errorf("Put = %v; want nil", err)
									return
								}
								put.add(v)
							}
						}
					}
					if ck == "same hub" {
						gevent.Run(func() {
							var cs, ps []*gevent.Greenlet[struct{}]
							for i := range workers {
								cs = append(cs, gevent.Go(consume))
								ps = append(ps, gevent.Go(produce(i)))
							}
							gevent.JoinAll(ps)
							o.shutdown()
							gevent.JoinAll(cs)
						})
					} else {
						var cs, ps []<-chan struct{}
						for i := range workers {
							cs = append(cs, start(ck, consume))
							ps = append(ps, start(pk, produce(i)))
						}
						for _, done := range ps {
							<-done
						}
						o.shutdown()
						for _, done := range cs {
							<-done
						}
					}
					if len(put.n) != workers*items {
						t.Errorf("%d items put; want %d", len(put.n), workers*items)
					}
					checkExactlyOnce(t, &put, &got)
				})
			}
		}
	}
}

// TestHandoffRaceNeverLosesItems hammers the race between a getter giving
// up (tiny timeouts, kills) and a putter handing it an item: greenlets of
// two hubs and plain goroutines put with and without tiny timeouts, get with
// tiny timeouts, and blocked greenlet getters are killed, from their hub and
// from a plain goroutine. Every item put must be got exactly once.
func TestHandoffRaceNeverLosesItems(t *testing.T) {
	for _, kind := range []string{"Queue", "Channel"} {
		t.Run(kind, func(t *testing.T) {
			var o ops
			var putTimeout func(int, time.Duration) error
			var getTimeout func(time.Duration) (int, error)
			var tryGet func() (int, error)
			if kind == "Queue" {
				q := queue.New[int](2)
				q.Share()
				o, putTimeout, getTimeout, tryGet = queueOps(q), q.PutTimeout, q.GetTimeout, q.TryGet
			} else {
				c := queue.NewChannel[int]()
				c.Share()
				o, putTimeout, getTimeout, tryGet = channelOps(c), c.PutTimeout, c.GetTimeout, c.TryGet
			}
			hammer(t, o, putTimeout, getTimeout, tryGet)
		})
	}
}

func hammer(t *testing.T, o ops, putTimeout func(int, time.Duration) error,
	getTimeout func(time.Duration) (int, error), tryGet func() (int, error)) {
	const items = 250
	var put, got tally
	var stop atomic.Bool
	var timeouts, kills atomic.Int64
	tiny := func(r *rand.Rand) time.Duration { return time.Duration(r.IntN(150)) * time.Microsecond }

	putter := func(id int) func() {
		return func() {
			r := rand.New(rand.NewPCG(uint64(id), 1))
			for i := range items {
				v := id*items + i
				var err error
				if i%2 == 0 {
					err = putTimeout(v, tiny(r))
				} else {
					err = o.put(v)
				}
				switch err {
				case nil:
					put.add(v)
				case queue.ErrFull:
				default:
					t.Errorf("put = %v; want nil or ErrFull", err)
					return
				}
			}
		}
	}
	getter := func(id int) func() {
		return func() {
			r := rand.New(rand.NewPCG(uint64(id), 2))
			for !stop.Load() {
				v, err := getTimeout(tiny(r))
				switch err {
				case nil:
					got.add(v)
				case queue.ErrEmpty:
					timeouts.Add(1)
				default:
					t.Errorf("GetTimeout = %v; want nil or ErrEmpty", err)
					return
				}
			}
		}
	}
	// killedGetters runs blocked getters that a killer greenlet, and a
	// plain goroutine, kill and replace until stop.
	killedGetters := func() {
		r := rand.New(rand.NewPCG(7, 3))
		spawn := func() *gevent.Greenlet[struct{}] {
			return gevent.Go(func() {
				for {
					v, err := o.get()
					if err != nil {
						kills.Add(1)
						return
					}
					got.add(v)
				}
			})
		}
		victims := make(chan *gevent.Greenlet[struct{}], 1)
		remote := make(chan struct{})
		go func() { // kills from outside the hub
			defer close(remote)
			for g := range victims {
				g.Kill(gevent.NoBlock())
			}
		}()
		for !stop.Load() {
			a, b := spawn(), spawn()
			gevent.Sleep(tiny(r))
			a.Kill()
			victims <- b
			b.Join()
		}
		close(victims)
		<-remote
	}

	var putters, getters []<-chan struct{}
	id := 0
	for _, k := range []string{plain, greenlet, greenlet} {
		for range 2 {
			id++
			putters = append(putters, start(k, putter(id)))
		}
	}
	for _, k := range []string{plain, plain, greenlet, greenlet, hubMain} {
		id++
		getters = append(getters, start(k, getter(id)))
	}
	getters = append(getters, start(hubMain, killedGetters))
	for _, done := range putters {
		<-done
	}
	stop.Store(true)
	for _, done := range getters {
		<-done
	}
	for {
		v, err := tryGet()
		if err != nil {
			break
		}
		got.add(v)
	}
	t.Logf("%d items put, %d getter timeouts, %d getters killed", len(put.n), timeouts.Load(), kills.Load())
	if len(put.n) == 0 {
		t.Errorf("no item was put")
	}
	checkExactlyOnce(t, &put, &got)
}

// TestDestroyedHubGivesItemsBack: an item handed to a greenlet whose hub is
// destroyed before the greenlet could return it goes back to the queue, at
// the front.
func TestDestroyedHubGivesItemsBack(t *testing.T) {
	q := queue.New[int](0)
	c := queue.NewChannel[int]()
	gevent.Run(func() {
		gevent.Go(func() { q.Get() })
		gevent.Go(func() { c.Get() })
		gevent.Sleep(0) // both block
		if err := q.Put(1); err != nil {
			t.Errorf("Put = %v; want nil", err)
		}
		if err := q.Put(2); err != nil { // the queue is empty: stored
			t.Errorf("Put = %v; want nil", err)
		}
		if err := c.TryPut(3); err != nil {
			t.Errorf("Channel.TryPut = %v; want nil", err)
		}
		// Return before the getters run: the hub unwinds them.
	})
	if got := drain(q); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("queue items = %v; want [1 2]", got)
	}
	if n := c.Len(); n != 1 {
		t.Errorf("Channel.Len = %d; want 1", n)
	}
	if v, err := c.TryGet(); v != 3 || err != nil {
		t.Errorf("Channel.TryGet = %d, %v; want 3, nil", v, err)
	}
}

// TestHandoffDoesNotAllocate pins the steady state of BenchmarkQueueHandoff
// and BenchmarkChannelHandoff: no allocation per item.
func TestHandoffDoesNotAllocate(t *testing.T) {
	for _, kind := range []string{"Queue", "Channel"} {
		t.Run(kind, func(t *testing.T) {
			run(t, func() {
				var o ops
				if kind == "Queue" {
					o = queueOps(queue.New[int](1))
				} else {
					o = channelOps(queue.NewChannel[int]())
				}
				cons := gevent.Go(func() {
					for {
						if _, err := o.get(); err != nil {
							return
						}
					}
				})
				pass := func() {
					for i := range 4 {
						o.put(i)
					}
				}
				pass() // warm up
				if n := testing.AllocsPerRun(100, pass); n != 0 {
					t.Errorf("allocations per 4 items = %v; want 0", n)
				}
				o.shutdown()
				cons.Join()
			})
		})
	}
}

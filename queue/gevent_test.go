package queue_test

// Cases ported from gevent's src/gevent/tests/test__queue.py. Each test
// names the gevent test it comes from; the expected results were checked by
// running the same program with gevent 22.10.2.

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
	"github.com/geventgo/gevent/queue"
)

// TestGeventChannelWait is TestChannel.test_wait: the main greenlet gets
// twice from a greenlet that puts twice. Each put lets the getter run before
// the putter goes on. gevent: waiting, sending hello, hello, sending world,
// world, and after one more sleep(0), sent world.
func TestGeventChannelWait(t *testing.T) {
	run(t, func() {
		c := queue.NewChannel[string]()
		var events []string
		g := gevent.Go(func() {
			events = append(events, "sending hello")
			c.Put("hello")
			events = append(events, "sending world")
			c.Put("world")
			events = append(events, "sent world")
		})
		events = append(events, "waiting")
		for range 2 {
			v, err := c.Get()
			if err != nil {
				t.Fatalf("Get = %v", err)
			}
			events = append(events, v)
		}
		want := []string{"waiting", "sending hello", "hello", "sending world", "world"}
		if !slices.Equal(events, want) {
			t.Errorf("events = %q; want %q", events, want)
		}
		gevent.Sleep(0)
		want = append(want, "sent world")
		if !slices.Equal(events, want) {
			t.Errorf("after Sleep(0) events = %q; want %q", events, want)
		}
		g.Join()
	})
}

// TestGeventChannelSend is TestChannel.test_send: a consumer greenlet gets
// twice while the main greenlet logs around two puts. gevent: sending,
// hello, sent hello, world, sent world.
func TestGeventChannelSend(t *testing.T) {
	run(t, func() {
		c := queue.NewChannel[string]()
		var events []string
		g := gevent.Go(func() {
			for range 2 {
				v, _ := c.Get()
				events = append(events, v)
			}
		})
		events = append(events, "sending")
		c.Put("hello")
		events = append(events, "sent hello")
		c.Put("world")
		events = append(events, "sent world")
		want := []string{"sending", "hello", "sent hello", "world", "sent world"}
		if !slices.Equal(events, want) {
			t.Errorf("events = %q; want %q", events, want)
		}
		g.Join()
	})
}

// TestGeventChannelZeroMaxSize is TestChannel.test_zero_max_size: a sender
// blocks until a receiver comes; both then finish, so that joining them
// under Timeout(0) needs no wait. gevent: e1 not ready after sleep(0.001),
// e2.get() == 'hi', e1.get() == 'done', joinall([p1, p2]) returns both.
func TestGeventChannelZeroMaxSize(t *testing.T) {
	run(t, func() {
		c := queue.NewChannel[string]()
		var e1, e2 event.AsyncResult[string]
		p1 := gevent.Go(func() {
			c.Put("hi")
			e1.Set("done")
		})
		gevent.Sleep(time.Millisecond)
		if e1.Ready() {
			t.Errorf("sender finished without a receiver")
		}
		p2 := gevent.Go(func() {
			v, _ := c.Get()
			e2.Set(v)
		})
		if v, err := e2.Get(); v != "hi" || err != nil {
			t.Errorf("receiver got %q, %v; want hi, nil", v, err)
		}
		if v, err := e1.Get(); v != "done" || err != nil {
			t.Errorf("sender = %q, %v; want done, nil", v, err)
		}
		to, err := gevent.StartTimeout(0, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer to.Cancel()
		if got, err := gevent.JoinAll([]*gevent.Greenlet[struct{}]{p1, p2}); err != nil || len(got) != 2 {
			t.Errorf("JoinAll under Timeout(0) = %v, %v; want both, nil", got, err)
		}
	})
}

// TestGeventChannelGetNowaitUnlock is TestChannel.test_get_nowait_unlock_channel:
// TryGet in a loop callback takes a blocked putter's item and wakes it.
// gevent: result [5], the putter dead, the channel empty and full.
func TestGeventChannelGetNowaitUnlock(t *testing.T) {
	run(t, func() {
		c := queue.NewChannel[int]()
		p := gevent.Go(func() { c.Put(5) })
		gevent.Sleep(time.Millisecond)
		var result []int
		gevent.CurrentHub().RunCallback(func() {
			v, err := c.TryGet()
			if err != nil {
				t.Errorf("TryGet in a callback = %v", err)
			}
			result = append(result, v)
		})
		gevent.Sleep(time.Millisecond)
		if !slices.Equal(result, []int{5}) || !p.Ready() || !c.Empty() || !c.Full() {
			t.Errorf("result %v, putter ready %v, Empty %v, Full %v; want [5] true true true",
				result, p.Ready(), c.Empty(), c.Full())
		}
	})
}

// TestGeventPutNowaitSimple is UsesOnlyOneItemMixin.test_put_nowait_simple
// for Queue and Channel: two TryPuts from loop callbacks on a queue of size
// 1 (Channel: no getter). gevent Queue: [None, Full]; Channel: [Full, Full].
func TestGeventPutNowaitSimple(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tryPut  func(int) error
		wantErr []error
	}{
		{"Queue", queue.New[int](1).TryPut, []error{nil, queue.ErrFull}},
		{"Channel", queue.NewChannel[int]().TryPut, []error{queue.ErrFull, queue.ErrFull}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func() {
				var result []error
				h := gevent.CurrentHub()
				h.RunCallback(func() { result = append(result, tc.tryPut(2)) })
				h.RunCallback(func() { result = append(result, tc.tryPut(3)) })
				gevent.Sleep(0)
				if !slices.Equal(result, tc.wantErr) {
					t.Errorf("results = %v; want %v", result, tc.wantErr)
				}
			})
		})
	}
}

// TestGeventPutNowaitUnlock is UsesOnlyOneItemMixin.test_put_nowait_unlock
// for Queue: TryPut from a loop callback wakes a blocked getter, which has
// not run when the callback is queued. gevent: [None], the getter ready, the
// queue empty.
func TestGeventPutNowaitUnlock(t *testing.T) {
	run(t, func() {
		q := queue.New[int](0)
		p := gevent.Spawn(q.Get)
		gevent.Sleep(time.Millisecond)
		var result []error
		gevent.CurrentHub().RunCallback(func() { result = append(result, q.TryPut(10)) })
		if p.Ready() {
			t.Errorf("getter ready before the callback ran")
		}
		gevent.Sleep(time.Millisecond)
		if !slices.Equal(result, []error{nil}) || !p.Ready() || !q.Empty() {
			t.Errorf("result %v, getter ready %v, Empty %v; want [<nil>] true true", result, p.Ready(), q.Empty())
		}
		if v, err := p.Get(); v != 10 || err != nil {
			t.Errorf("getter = %d, %v; want 10, nil", v, err)
		}
	})
}

// TestGeventSendLast is UsesOnlyOneItemMixin.test_send_last: a waiter
// blocked in Get under a Timeout receives the item put later.
func TestGeventSendLast(t *testing.T) {
	for _, kind := range []string{"Queue", "Channel"} {
		t.Run(kind, func(t *testing.T) {
			run(t, func() {
				o := queueOps(queue.New[int](0))
				if kind == "Channel" {
					o = channelOps(queue.NewChannel[int]())
				}
				p := gevent.Spawn(func() (int, error) {
					var v int
					err := gevent.WithTimeout(5*time.Second, func() (err error) {
						v, err = o.get()
						return err
					})
					return v, err
				})
				gevent.Sleep(10 * time.Millisecond)
				o.put(2)
				gevent.Sleep(10 * time.Millisecond)
				if v, err := p.Get(); v != 2 || err != nil {
					t.Errorf("waiter = %d, %v; want 2, nil", v, err)
				}
			})
		})
	}
}

// TestGeventMaxSize is TestQueue.test_max_size: a putter fills a queue of
// size 2 and blocks on the third item until a get makes room. gevent:
// [a b] after sleep(0), [a b c] after a get and a sleep(0).
func TestGeventMaxSize(t *testing.T) {
	run(t, func() {
		q := queue.New[string](2)
		var results []string
		p := gevent.Go(func() {
			for _, s := range []string{"a", "b", "c"} {
				q.Put(s)
				results = append(results, s)
			}
		})
		gevent.Sleep(0)
		if !slices.Equal(results, []string{"a", "b"}) {
			t.Errorf("results = %q; want [a b]", results)
		}
		if v, _ := q.Get(); v != "a" {
			t.Errorf("Get = %q; want a", v)
		}
		gevent.Sleep(0)
		if !slices.Equal(results, []string{"a", "b", "c"}) {
			t.Errorf("results = %q; want [a b c]", results)
		}
		for _, want := range []string{"b", "c"} {
			if v, _ := q.Get(); v != want {
				t.Errorf("Get = %q; want %q", v, want)
			}
		}
		p.Join()
	})
}

// TestGeventMultipleWaiters is TestQueue.test_multiple_waiters: four
// blocked getters each receive one of four items; after each put the items
// put so far have arrived. gevent: 1, 2, 4 results collected.
func TestGeventMultipleWaiters(t *testing.T) {
	run(t, func() {
		q := queue.New[string](0)
		sendings := []string{"1", "2", "3", "4"}
		evts := make([]*event.AsyncResult[string], len(sendings))
		for i := range evts {
			evts[i] = new(event.AsyncResult[string])
			gevent.Go(func() {
				v, _ := q.Get()
				evts[i].Set(v)
			})
		}
		gevent.Sleep(10 * time.Millisecond)
		results := map[string]bool{}
		collect := func() int {
			for _, e := range evts {
				if v, err := e.GetTimeout(time.Millisecond); err == nil {
					results[v] = true
				}
			}
			return len(results)
		}
		q.Put(sendings[0])
		if n := collect(); n != 1 {
			t.Errorf("results after one put = %d; want 1", n)
		}
		q.Put(sendings[1])
		if n := collect(); n != 2 {
			t.Errorf("results after two puts = %d; want 2", n)
		}
		q.Put(sendings[2])
		q.Put(sendings[3])
		if n := collect(); n != 4 {
			t.Errorf("results after four puts = %d; want 4", n)
		}
	})
}

// getUnderTimeout0 is do_receive of test__queue.py: a Get under
// Timeout(0, RuntimeError()), which expires at the first switch.
func getUnderTimeout0(o ops, evt *event.AsyncResult[string], errTimedOut error) {
	to := gevent.NewTimeout(0, errTimedOut)
	if err := to.Start(); err != nil {
		evt.SetError(err)
		return
	}
	defer to.Cancel()
	v, err := o.get()
	if errors.Is(err, errTimedOut) {
		evt.Set("timed out")
		return
	}
	evt.Set(fmt.Sprint(v, err))
}

// TestGeventWaitersThatCancel is test_waiters_that_cancel, test_two_bogus_waiters
// and test_two_waiters_one_dies: getters whose Timeout(0) expires take
// nothing; the item goes to a live getter or stays in the queue. gevent:
// 'timed out' for each dying getter, 'hi' for the live one or the next Get.
func TestGeventWaitersThatCancel(t *testing.T) {
	errTimedOut := errors.New("RuntimeError")
	for _, tc := range []struct {
		name  string
		dying int
		live  bool
	}{
		{"test_waiters_that_cancel", 1, false},
		{"test_two_bogus_waiters", 2, false},
		{"test_two_waiters_one_dies", 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func() {
				q := queue.New[string](0)
				o := ops{shutdown: q.Shutdown}
				o.get = func() (int, error) { _, err := q.Get(); return 0, err }
				dying := make([]*event.AsyncResult[string], tc.dying)
				for i := range dying {
					dying[i] = new(event.AsyncResult[string])
					gevent.Go(func() { getUnderTimeout0(o, dying[i], errTimedOut) })
				}
				var live event.AsyncResult[string]
				if tc.live {
					gevent.Go(func() {
						v, err := q.Get()
						if err != nil {
							live.SetError(err)
							return
						}
						live.Set(v)
					})
				}
				gevent.Sleep(10 * time.Millisecond)
				q.Put("hi")
				for i, e := range dying {
					if v, err := e.Get(); v != "timed out" || err != nil {
						t.Errorf("dying getter %d = %q, %v; want timed out", i, v, err)
					}
				}
				var v string
				var err error
				if tc.live {
					v, err = live.Get()
				} else {
					v, err = q.Get()
				}
				if v != "hi" || err != nil {
					t.Errorf("item = %q, %v; want hi, nil", v, err)
				}
			})
		})
	}
}

// TestGeventSendersThatDie is test_senders_that_die: the item of a greenlet
// that puts and exits is there for a later Get.
func TestGeventSendersThatDie(t *testing.T) {
	run(t, func() {
		q := queue.New[string](0)
		gevent.Go(func() { q.Put("sent") })
		if v, err := q.Get(); v != "sent" || err != nil {
			t.Errorf("Get = %q, %v; want sent, nil", v, err)
		}
	})
}

// TestGeventPeekMultiGreenlet is test_peek_multi_greenlet: a blocked peeker
// sees the item put, which stays in the queue. gevent: no exception, peek 1.
func TestGeventPeekMultiGreenlet(t *testing.T) {
	run(t, func() {
		q := queue.New[int](0)
		g := gevent.Spawn(q.Peek)
		gevent.Sleep(0)
		q.Put(1)
		if v, err := g.Get(); v != 1 || err != nil {
			t.Errorf("blocked Peek = %d, %v; want 1, nil", v, err)
		}
		if v, err := q.TryPeek(); v != 1 || err != nil {
			t.Errorf("TryPeek = %d, %v; want 1, nil", v, err)
		}
	})
}

// TestGeventPeekEmpty is test_peek_empty: Peek on an empty queue of the
// main greenlet alone is gevent's LoopExit, and PeekTimeout in a greenlet
// expires with Empty.
func TestGeventPeekEmpty(t *testing.T) {
	run(t, func() {
		gevent.CurrentHub().SetErrorStream(nil)
		q := queue.New[int](0)
		if _, err := q.Peek(); !errors.Is(err, gevent.ErrLoopExit) {
			t.Errorf("Peek with nothing else alive = %v; want ErrLoopExit", err)
		}
		g := gevent.Spawn(func() (int, error) { return q.PeekTimeout(10 * time.Millisecond) })
		if _, err := g.Get(); !errors.Is(err, queue.ErrEmpty) {
			t.Errorf("PeekTimeout = %v; want ErrEmpty", err)
		}
	})
}

// TestGeventTaskDone is TestQueue.test_task_done: an item put by another
// greenlet counts as unfinished until TaskDone. gevent: 1, then 0.
func TestGeventTaskDone(t *testing.T) {
	run(t, func() {
		q := queue.New[string](0)
		gevent.Go(func() { q.Put("X") })
		if v, _ := q.Get(); v != "X" {
			t.Errorf("Get = %q; want X", v)
		}
		if n := q.Unfinished(); n != 1 {
			t.Errorf("Unfinished = %d; want 1", n)
		}
		q.TaskDone()
		if n := q.Unfinished(); n != 0 {
			t.Errorf("Unfinished after TaskDone = %d; want 0", n)
		}
	})
}

// TestGeventShutdownAllMethodsInOneThread is
// test_shutdown_all_methods_in_one_thread and its immediate form: after
// Shutdown the puts fail and the gets drain, after ShutdownNow everything
// fails at once and Join returns.
func TestGeventShutdownAllMethodsInOneThread(t *testing.T) {
	for _, now := range []bool{false, true} {
		t.Run(fmt.Sprintf("immediate=%v", now), func(t *testing.T) {
			run(t, func() {
				q := queue.New[string](0)
				q.Put("L")
				q.TryPut("O")
				shutdown(q, now)
				if err := q.Put("E"); err != queue.ErrShutDown {
					t.Errorf("Put = %v; want ErrShutDown", err)
				}
				if err := q.TryPut("W"); err != queue.ErrShutDown {
					t.Errorf("TryPut = %v; want ErrShutDown", err)
				}
				if now {
					if _, err := q.Get(); err != queue.ErrShutDown {
						t.Errorf("Get = %v; want ErrShutDown", err)
					}
					if _, err := q.TryGet(); err != queue.ErrShutDown {
						t.Errorf("TryGet = %v; want ErrShutDown", err)
					}
					if err := q.TaskDone(); err != queue.ErrTaskDoneTooManyTimes {
						t.Errorf("TaskDone = %v; want ErrTaskDoneTooManyTimes", err)
					}
				} else {
					for range 2 {
						if v, err := q.Get(); (v != "L" && v != "O") || err != nil {
							t.Errorf("Get = %q, %v; want L or O", v, err)
						}
						q.TaskDone()
					}
				}
				if err := q.Join(); err != nil {
					t.Errorf("Join = %v; want nil", err)
				}
				if _, err := q.Get(); err != queue.ErrShutDown {
					t.Errorf("Get on the drained queue = %v; want ErrShutDown", err)
				}
				if _, err := q.GetTimeout(time.Second); err != queue.ErrShutDown {
					t.Errorf("GetTimeout on the drained queue = %v; want ErrShutDown", err)
				}
			})
		})
	}
}

// TestGeventIssue45 is TestQueue.test_issue_45: Join returns at once, without
// switching, when nothing was ever put.
func TestGeventIssue45(t *testing.T) {
	run(t, func() {
		q := queue.New[int](0)
		ran := false
		gevent.Go(func() { ran = true })
		if err := q.Join(); err != nil || ran {
			t.Errorf("Join = %v, switched %v; want nil without a switch", err, ran)
		}
	})
}

// TestBlockedGetterKeepsOrder: with a getter blocked, the items put before
// it runs are all in the queue, and it takes the next one in the queue's
// order, not the first one put (issue 8; gevent: LIFO ([2], 1), priority
// ([1], 3), LIFO with a peeker ahead of the getter [('peek', 2), ('get',
// 2)] and 1 item left).
func TestBlockedGetterKeepsOrder(t *testing.T) {
	for _, tc := range []struct {
		name     string
		q        *queue.Queue[int]
		peeker   bool
		puts     []int
		wantLog  []string
		wantRest []int
	}{
		{"LIFO", queue.NewLifo[int](0), false, []int{1, 2}, []string{"get 2"}, []int{1}},
		{"priority", queue.NewPriority[int](0), false, []int{3, 1}, []string{"get 1"}, []int{3}},
		{"FIFO", queue.New[int](0), false, []int{1, 2}, []string{"get 1"}, []int{2}},
		{"LIFO with a peeker", queue.NewLifo[int](0), true, []int{1, 2}, []string{"peek 2", "get 2"}, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func() {
				var log []string
				var gs []*gevent.Greenlet[struct{}]
				if tc.peeker {
					gs = append(gs, gevent.Go(func() { v, _ := tc.q.Peek(); log = append(log, fmt.Sprint("peek ", v)) }))
				}
				gs = append(gs, gevent.Go(func() { v, _ := tc.q.Get(); log = append(log, fmt.Sprint("get ", v)) }))
				gevent.Sleep(0)
				for i, v := range tc.puts {
					tc.q.Put(v)
					if i > 0 {
						continue
					}
					if _, err := tc.q.TryGet(); err != queue.ErrEmpty {
						t.Errorf("TryGet before the woken getter runs = %v; want ErrEmpty (its item is reserved)", err)
					}
				}
				joinAll(t, gs...)
				if !slices.Equal(log, tc.wantLog) {
					t.Errorf("log = %q; want %q", log, tc.wantLog)
				}
				if rest := drain(tc.q); !slices.Equal(rest, tc.wantRest) {
					t.Errorf("rest = %v; want %v", rest, tc.wantRest)
				}
			})
		})
	}
}

// TestBlockedGetterFillsBoundedQueue: in a LIFO or priority queue, an item
// put for a blocked getter stays in the queue until the getter runs, so a
// bounded queue is full (gevent 22.10.2, for every kind: full True, qsize 1,
// put_nowait raises Full, the getter gets 1). A FIFO getter takes the item
// at once, which leaves the room free (a documented difference: the order
// is the same either way, and one more item fits per trip).
func TestBlockedGetterFillsBoundedQueue(t *testing.T) {
	for _, tc := range []struct {
		name     string
		q        *queue.Queue[int]
		wantFull bool
	}{
		{"LIFO", queue.NewLifo[int](1), true},
		{"priority", queue.NewPriority[int](1), true},
		{"FIFO", queue.New[int](1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func() {
				q := tc.q
				g := gevent.Spawn(q.Get)
				gevent.Sleep(0)
				q.Put(1)
				wantLen, wantErr := 1, queue.ErrFull
				if !tc.wantFull {
					wantLen, wantErr = 0, nil
				}
				if q.Full() != tc.wantFull || q.Len() != wantLen {
					t.Errorf("Full, Len = %v, %d; want %v, %d", q.Full(), q.Len(), tc.wantFull, wantLen)
				}
				if err := q.TryPut(2); err != wantErr {
					t.Errorf("TryPut = %v; want %v", err, wantErr)
				}
				if v, err := g.Get(); v != 1 || err != nil {
					t.Errorf("getter = %d, %v; want 1, nil", v, err)
				}
			})
		})
	}
}

// TestShutdownNowKeepsReservedItems: ShutdownNow drops the items nobody was
// woken for, but a getter already woken still takes its item.
func TestShutdownNowKeepsReservedItems(t *testing.T) {
	run(t, func() {
		q := queue.NewLifo[int](0)
		g := gevent.Spawn(q.Get)
		gevent.Sleep(0)
		q.Put(1)
		q.Put(2)
		q.Put(3)
		q.ShutdownNow()
		if v, err := g.Get(); v != 3 || err != nil {
			t.Errorf("woken getter = %d, %v; want 3, nil", v, err)
		}
		if n, u := q.Len(), q.Unfinished(); n != 0 || u != 1 {
			t.Errorf("Len, Unfinished = %d, %d; want 0, 1 (the item taken is not done yet)", n, u)
		}
	})
}

// joinAll joins gs and fails the test if that fails.
func joinAll(t *testing.T, gs ...*gevent.Greenlet[struct{}]) {
	t.Helper()
	if _, err := gevent.JoinAll(gs); err != nil {
		t.Errorf("JoinAll = %v", err)
	}
}

// TestTimedCallsAtOnce: a duration d <= 0 does not wait (issue 9's rule):
// the timed forms act as the Try forms, without letting a greenlet that
// would satisfy them run first.
func TestTimedCallsAtOnce(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		run(t, func() {
			q := queue.New[int](1)
			c := queue.NewChannel[int]()
			g := gevent.Go(func() {
				q.Put(1)
				c.Get()
			})
			if _, err := q.GetTimeout(d); err != queue.ErrEmpty {
				t.Errorf("GetTimeout(%v) = %v; want ErrEmpty without a switch", d, err)
			}
			if _, err := q.PeekTimeout(d); err != queue.ErrEmpty {
				t.Errorf("PeekTimeout(%v) = %v; want ErrEmpty without a switch", d, err)
			}
			if err := c.PutTimeout(2, d); err != queue.ErrFull {
				t.Errorf("Channel.PutTimeout(%v) = %v; want ErrFull without a switch", d, err)
			}
			gevent.Sleep(0) // g puts 1 and blocks in c.Get
			if err := q.PutTimeout(3, d); err != queue.ErrFull {
				t.Errorf("PutTimeout(%v) on a full queue = %v; want ErrFull", d, err)
			}
			if ok, err := q.JoinTimeout(d); ok || err != nil {
				t.Errorf("JoinTimeout(%v) with a task unfinished = %v, %v; want false, nil", d, ok, err)
			}
			if v, err := q.GetTimeout(d); v != 1 || err != nil {
				t.Errorf("GetTimeout(%v) with an item = %d, %v; want 1, nil", d, v, err)
			}
			if err := c.PutTimeout(4, d); err != nil {
				t.Errorf("Channel.PutTimeout(%v) with a getter = %v; want nil", d, err)
			}
			q.TaskDone()
			if ok, err := q.JoinTimeout(d); !ok || err != nil {
				t.Errorf("JoinTimeout(%v) with nothing unfinished = %v, %v; want true, nil", d, ok, err)
			}
			g.Join()
		})
	}
}

// TestGeventGetPutInterrupt is TestGetInterrupt and TestPutInterrupt (with
// AbstractGenericGetTestCase's cases) for Queue, LifoQueue, PriorityQueue
// and Channel: a get on an empty queue, and a put on a full one, end with
// ErrEmpty or ErrFull after their own timeout (not before it), with the
// Timeout itself under an outer Timeout, and with a Timeout's custom error.
func TestGeventGetPutInterrupt(t *testing.T) {
	const tick = 20 * time.Millisecond
	kinds := []struct {
		name string
		make func() (o ops, getTimeout func(time.Duration) error, putTimeout func(time.Duration) error)
	}{
		{"Queue", func() (ops, func(time.Duration) error, func(time.Duration) error) {
			q := queue.New[int](1)
			return queueOps(q), func(d time.Duration) error { _, err := q.GetTimeout(d); return err },
				func(d time.Duration) error { q.TryPut(1); return q.PutTimeout(2, d) }
		}},
		{"LifoQueue", func() (ops, func(time.Duration) error, func(time.Duration) error) {
			q := queue.NewLifo[int](1)
			return queueOps(q), func(d time.Duration) error { _, err := q.GetTimeout(d); return err },
				func(d time.Duration) error { q.TryPut(1); return q.PutTimeout(2, d) }
		}},
		{"PriorityQueue", func() (ops, func(time.Duration) error, func(time.Duration) error) {
			q := queue.NewPriority[int](1)
			return queueOps(q), func(d time.Duration) error { _, err := q.GetTimeout(d); return err },
				func(d time.Duration) error { q.TryPut(1); return q.PutTimeout(2, d) }
		}},
		{"Channel", func() (ops, func(time.Duration) error, func(time.Duration) error) {
			c := queue.NewChannel[int]()
			return channelOps(c), func(d time.Duration) error { _, err := c.GetTimeout(d); return err },
				func(d time.Duration) error { return c.PutTimeout(2, d) }
		}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			run(t, func() {
				_, getTimeout, _ := k.make()
				start := time.Now()
				if err := getTimeout(tick); err != queue.ErrEmpty {
					t.Errorf("GetTimeout = %v; want ErrEmpty", err)
				}
				_, _, putTimeout := k.make()
				if err := putTimeout(tick); err != queue.ErrFull {
					t.Errorf("PutTimeout = %v; want ErrFull", err)
				}
				// Loose: the loop's cached clock may start a timer a little
				// late, so only a wait far too short fails.
				if el := time.Since(start); el < tick {
					t.Errorf("two timed waits of %v took %v; want at least %v", tick, el, tick)
				}
				custom := errors.New("expected error")
				for _, tc := range []struct {
					name string
					err  error // the Timeout's custom error, or nil
				}{{"Timeout", nil}, {"custom error", custom}} {
					o, _, putTimeout := k.make()
					for _, op := range []struct {
						name string
						call func() error
					}{
						{"Get", func() error { _, err := o.get(); return err }},
						{"PutTimeout", func() error { return putTimeout(time.Hour) }},
					} {
						to, err := gevent.StartTimeout(tick, tc.err)
						if err != nil {
							t.Fatal(err)
						}
						err = op.call()
						to.Cancel()
						want := error(to)
						if tc.err != nil {
							want = tc.err
						}
						if !errors.Is(err, want) {
							t.Errorf("%s under a %s = %v; want %v", op.name, tc.name, err, want)
						}
					}
				}
			})
		})
	}
}

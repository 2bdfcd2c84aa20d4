package queue_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/queue"
)

func TestTaskDoneCounts(t *testing.T) {
	q := queue.NewJoinable[string](0)
	if err := q.TaskDone(); err != queue.ErrTaskDoneTooManyTimes {
		t.Errorf("TaskDone on a fresh queue = %v; want ErrTaskDoneTooManyTimes", err)
	}
	q.TryPut("a")
	q.TryPut("b")
	steps := []struct {
		op             string
		wantErr        error
		wantUnfinished int
	}{
		{"get", nil, 2},
		{"done", nil, 1},
		{"get", nil, 1},
		{"done", nil, 0},
		{"done", queue.ErrTaskDoneTooManyTimes, 0},
	}
	for i, s := range steps {
		var err error
		if s.op == "get" {
			_, err = q.TryGet()
		} else {
			err = q.TaskDone()
		}
		if err != s.wantErr {
			t.Errorf("step %d %s = %v; want %v", i, s.op, err, s.wantErr)
		}
		if n := q.Unfinished(); n != s.wantUnfinished {
			t.Errorf("step %d: Unfinished = %d; want %d", i, n, s.wantUnfinished)
		}
	}
}

func TestJoinWithNothingPutReturnsAtOnce(t *testing.T) {
	run(t, func() {
		q := queue.NewJoinable[int](0)
		ran := false
		gevent.Go(func() { ran = true })
		if err := q.Join(); err != nil {
			t.Errorf("Join = %v; want nil", err)
		}
		if ran {
			t.Errorf("Join switched to another greenlet; want an immediate return")
		}
		if ok, err := q.JoinTimeout(time.Hour); !ok || err != nil {
			t.Errorf("JoinTimeout = %v, %v; want true, nil", ok, err)
		}
	})
}

func TestJoinReturnsWhenAllDone(t *testing.T) {
	run(t, func() {
		q := queue.NewJoinable[int](0)
		var log []string
		for _, name := range []string{"w1", "w2"} {
			gevent.Go(func() {
				for {
					v, err := q.Get()
					if err != nil {
						return
					}
					gevent.Sleep(0)
					log = append(log, fmt.Sprintf("%s done %d", name, v))
					q.TaskDone()
				}
			})
		}
		for i := 1; i <= 3; i++ {
			q.Put(i)
		}
		if err := q.Join(); err != nil {
			t.Errorf("Join = %v; want nil", err)
		}
		log = append(log, "joined")
		want := []string{"w1 done 1", "w2 done 2", "w1 done 3", "joined"}
		if !slices.Equal(log, want) {
			t.Errorf("log = %q; want %q", log, want)
		}
		q.Shutdown()
	})
}

func TestJoinTimeoutExpires(t *testing.T) {
	run(t, func() {
		q := queue.NewJoinable[int](0)
		q.Put(1)
		gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Second) })
		if ok, err := q.JoinTimeout(5 * time.Millisecond); ok || err != nil {
			t.Errorf("JoinTimeout = %v, %v; want false, nil", ok, err)
		}
		if got := waiting(q); got != [3]int{} {
			t.Errorf("waiting = %v; want none", got)
		}
	})
}

func TestJoinFromLoopCallback(t *testing.T) {
	run(t, func() {
		q := queue.NewJoinable[int](0)
		q.Put(1)
		var err error
		gevent.CurrentHub().RunCallback(func() { err = q.Join() })
		gevent.Sleep(0)
		if err != gevent.ErrBlockingSwitchOut {
			t.Errorf("Join in a loop callback = %v; want ErrBlockingSwitchOut", err)
		}
	})
}

func TestShutdownRows(t *testing.T) {
	tests := []struct {
		name      string
		immediate bool
		gets      int // items got (and not marked done) before Shutdown
		// after Shutdown:
		wantGets       []string // results of Get until ErrShutDown
		wantUnfinished int
	}{
		{"graceful: gets drain the items", false, 0, []string{"1 <nil>", "2 <nil>", "0 queue: shut down"}, 2},
		{"immediate: items are dropped", true, 0, []string{"0 queue: shut down"}, 0},
		{"immediate keeps tasks got but not done", true, 1, []string{"0 queue: shut down"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, func() {
				q := queue.NewJoinable[int](0)
				q.Put(1)
				q.Put(2)
				for range tt.gets {
					q.Get()
				}
				shutdown(q, tt.immediate)
				if !q.IsShutDown() {
					t.Errorf("IsShutDown = false; want true")
				}
				for _, put := range []func(int) error{q.Put, q.TryPut, func(v int) error { return q.PutTimeout(v, time.Hour) }} {
					if err := put(3); err != queue.ErrShutDown {
						t.Errorf("put after Shutdown = %v; want ErrShutDown", err)
					}
				}
				var got []string
				for {
					v, err := q.Get()
					got = append(got, fmt.Sprintf("%d %v", v, err))
					if err != nil {
						break
					}
				}
				if !slices.Equal(got, tt.wantGets) {
					t.Errorf("gets = %q; want %q", got, tt.wantGets)
				}
				if n := q.Unfinished(); n != tt.wantUnfinished {
					t.Errorf("Unfinished = %d; want %d", n, tt.wantUnfinished)
				}
				for _, get := range []func() (int, error){q.TryGet, q.TryPeek, q.Peek} {
					if _, err := get(); err != queue.ErrShutDown {
						t.Errorf("get on drained shut-down queue = %v; want ErrShutDown", err)
					}
				}
			})
		})
	}
}

// TestShutdownWakesBlockedCallers: blocked getters and putters get
// ErrShutDown; a blocked joiner returns once an immediate Shutdown dropped
// the last unfinished items.
func TestShutdownWakesBlockedCallers(t *testing.T) {
	tests := []struct {
		name      string
		immediate bool
	}{{"graceful", false}, {"immediate", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, func() {
				empty := queue.New[int](1)
				full := queue.New[int](1)
				full.Put(1)
				var log []string
				gs := []*gevent.Greenlet[struct{}]{
					gevent.Go(func() { _, err := empty.Get(); log = append(log, fmt.Sprintf("get %v", err)) }),
					gevent.Go(func() { _, err := empty.Peek(); log = append(log, fmt.Sprintf("peek %v", err)) }),
					gevent.Go(func() { err := full.Put(2); log = append(log, fmt.Sprintf("put %v", err)) }),
					gevent.Go(func() { err := full.Join(); log = append(log, fmt.Sprintf("join %v", err)) }),
				}
				gevent.Sleep(0)
				shutdown(empty, tt.immediate)
				shutdown(full, tt.immediate)
				gevent.JoinAll(gs, gevent.Within(100*time.Millisecond))
				want := []string{"get queue: shut down", "peek queue: shut down", "put queue: shut down"}
				if tt.immediate {
					// Joiners are woken first, as in Python's Queue.shutdown.
					want = []string{"get queue: shut down", "peek queue: shut down", "join <nil>", "put queue: shut down"}
				}
				if !slices.Equal(log, want) {
					t.Errorf("log = %q; want %q", log, want)
				}
				if !tt.immediate {
					if got := waiting(full); got != [3]int{0, 0, 1} {
						t.Errorf("waiting = %v; want the joiner only", got)
					}
					full.Get()
					full.TaskDone()
					gevent.JoinAll(gs)
					if log[len(log)-1] != "join <nil>" {
						t.Errorf("last log = %q; want the joiner released", log[len(log)-1])
					}
				}
			})
		})
	}
}

// shutdown calls ShutdownNow if now, else Shutdown.
func shutdown[T any](q *queue.Queue[T], now bool) {
	if now {
		q.ShutdownNow()
	} else {
		q.Shutdown()
	}
}

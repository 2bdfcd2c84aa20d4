package pool_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/lock"
	"github.com/geventgo/gevent/pool"
)

// run runs fn as the main greenlet of a fresh hub.
func run(t *testing.T, fn func()) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Errorf("gevent.Run = %v", err)
	}
}

// gate returns a semaphore with no permit, for members to block on.
func gate(t *testing.T) *lock.Semaphore {
	t.Helper()
	return lock.NewSemaphore(0)
}

// quiet silences the hub's failure reports, for tests whose greenlets fail
// on purpose.
func quiet() { gevent.CurrentHub().SetErrorStream(nil) }

// TestGroupMembership checks that members of different result types join,
// are listed in the order they were added, and leave when they finish.
func TestGroupMembership(t *testing.T) {
	run(t, func() {
		g := pool.NewGroup()
		if err := g.Join(); err != nil || g.Len() != 0 {
			t.Errorf("Join of an empty group = %v, Len %d; want nil, 0", err, g.Len())
		}
		a, err := pool.Spawn(g, func() (int, error) { return 1, nil })
		if err != nil {
			t.Fatalf("Spawn = %v", err)
		}
		b, _ := pool.Spawn(g, func() (string, error) { gevent.Sleep(0); return "b", nil })
		var ran bool
		if err := g.Go(func() { ran = true }); err != nil {
			t.Errorf("Go = %v", err)
		}
		ms := g.Members()
		if g.Len() != 3 || len(ms) != 3 || ms[0] != gevent.Killable(a) || ms[1] != gevent.Killable(b) {
			t.Errorf("Len, Members = %d, %v; want 3, [a b c]", g.Len(), ms)
		}
		if !g.Has(a) || !g.Has(b) {
			t.Error("Has = false for a member")
		}
		if err := g.Join(); err != nil {
			t.Errorf("Join = %v", err)
		}
		if g.Len() != 0 || g.Has(a) || !ran || !a.Ready() || !b.Ready() {
			t.Errorf("after Join: Len %d, Has(a) %v, ran %v, ready %v %v; want 0, false, true, true, true",
				g.Len(), g.Has(a), ran, a.Ready(), b.Ready())
		}
		if v, _ := b.Get(); v != "b" {
			t.Errorf("b = %q; want b", v)
		}
		if g.FreeCount() != 1 || g.Full() || g.Size() != 0 {
			t.Errorf("FreeCount, Full, Size = %d, %v, %d; want 1, false, 0", g.FreeCount(), g.Full(), g.Size())
		}
	})
}

// TestGroupAddDiscard covers members added from outside: existing greenlets,
// unstarted ones, twice, and discarded ones.
func TestGroupAddDiscard(t *testing.T) {
	run(t, func() {
		var g pool.Group // zero value ready
		s := gate(t)
		a := gevent.Go(func() { s.Acquire() })
		if err := g.Add(a); err != nil {
			t.Errorf("Add = %v", err)
		}
		if err := g.TryAdd(a); err != nil || g.Len() != 1 {
			t.Errorf("TryAdd of a member = %v, Len %d; want nil, 1", err, g.Len())
		}
		unstarted := gevent.New(func() (int, error) { return 0, nil })
		g.AddTimeout(unstarted, 0)
		if g.Len() != 2 || unstarted.Started() {
			t.Errorf("Len, Started = %d, %v; want 2, false", g.Len(), unstarted.Started())
		}
		g.Discard(a)
		g.Discard(a) // twice does nothing
		if g.Len() != 1 || g.Has(a) {
			t.Errorf("after Discard: Len %d, Has %v; want 1, false", g.Len(), g.Has(a))
		}
		unstarted.Start()
		if err := g.Join(); err != nil || !unstarted.Ready() || a.Ready() {
			t.Errorf("Join = %v, unstarted ready %v, discarded ready %v; want nil, true, false", err, unstarted.Ready(), a.Ready())
		}
		s.Release()
		a.Join()
		if g.Len() != 0 {
			t.Errorf("Len = %d after the discarded member finished; want 0", g.Len())
		}
	})
}

func TestGroupJoinTimeout(t *testing.T) {
	run(t, func() {
		g := pool.NewGroup()
		s := gate(t)
		g.Go(func() { s.Acquire() })
		gevent.Sleep(0)
		start := time.Now()
		if err := g.JoinTimeout(5 * time.Millisecond); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("JoinTimeout = %v; want ErrTimeout", err)
		}
		if d := time.Since(start); d < 5*time.Millisecond || d > 2*time.Second {
			t.Errorf("JoinTimeout took %v; want about 5ms", d)
		}
		if err := g.JoinTimeout(0); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("JoinTimeout(0) = %v; want ErrTimeout", err)
		}
		if g.Len() != 1 {
			t.Errorf("Len = %d; want 1", g.Len())
		}
		gevent.Go(func() { s.Release() })
		if err := g.JoinTimeout(10 * time.Second); err != nil {
			t.Errorf("JoinTimeout = %v; want nil", err)
		}
	})
}

// TestGroupJoinRaiseError checks which error Join(RaiseError()) returns: the
// first failed member in the order they were added, among those present at
// the call.
func TestGroupJoinRaiseError(t *testing.T) {
	errA, errB, errLate := errors.New("a"), errors.New("b"), errors.New("late")
	type task struct {
		sleeps int // Sleep(0)s before returning
		err    error
	}
	for _, tc := range []struct {
		name  string
		tasks []task
		raise bool
		want  error
	}{
		{"no failure", []task{{1, nil}, {0, nil}}, true, nil},
		{"first added wins", []task{{0, nil}, {3, errA}, {0, errB}}, true, errA},
		{"without raiseError", []task{{0, errA}}, false, nil},
		{"members added later are not reported", []task{{0, nil}}, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func() {
				quiet()
				g := pool.NewGroup()
				for _, tk := range tc.tasks {
					pool.Spawn(g, func() (int, error) {
						for range tk.sleeps {
							gevent.Sleep(0)
						}
						if tc.name == "members added later are not reported" {
							pool.Spawn(g, func() (int, error) { return 0, errLate })
						}
						return 0, tk.err
					})
				}
				var opts []gevent.Option
				if tc.raise {
					opts = append(opts, gevent.RaiseError())
				}
				if err := g.Join(opts...); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
					t.Errorf("Join = %v; want %v", err, tc.want)
				}
				if g.Len() != 0 {
					t.Errorf("Len = %d; want 0", g.Len())
				}
			})
		})
	}
}

// TestGroupKill checks that Kill kills every member, started or not, and
// waits for them.
func TestGroupKill(t *testing.T) {
	run(t, func() {
		g := pool.NewGroup()
		s := gate(t)
		errs := make([]error, 3)
		for i := range errs {
			g.Go(func() { errs[i] = s.Acquire() })
		}
		never := gevent.New(func() (int, error) { t.Error("a killed unstarted member ran"); return 0, nil })
		g.Add(never)
		gevent.Sleep(0)
		if err := g.Kill(); err != nil {
			t.Errorf("Kill = %v", err)
		}
		for i, err := range errs {
			if !errors.Is(err, gevent.ErrGreenletExit) {
				t.Errorf("member %d's Acquire = %v; want ErrGreenletExit", i, err)
			}
		}
		if g.Len() != 0 || !never.Ready() || !never.Successful() {
			t.Errorf("Len %d, unstarted ready %v successful %v; want 0, true, true", g.Len(), never.Ready(), never.Successful())
		}
		if err := g.Kill(); err != nil {
			t.Errorf("Kill of an empty group = %v", err)
		}
	})
}

// stubborn is a Killable that ignores kills and never finishes.
type stubborn struct{ killed int }

func (s *stubborn) Ready() bool                  { return false }
func (s *stubborn) RawLink(func()) gevent.LinkID { return 1 }
func (s *stubborn) Unlink(gevent.LinkID)         {}
func (s *stubborn) Kill(...gevent.Option) error  { s.killed++; return nil }

func TestGroupKillTimeout(t *testing.T) {
	run(t, func() {
		g := pool.NewGroup()
		st := &stubborn{}
		g.Add(st)
		start := time.Now()
		if err := g.Kill(gevent.Within(5 * time.Millisecond)); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Kill(Within) = %v; want ErrTimeout", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Kill took %v; want about 5ms", d)
		}
		if err := g.Kill(gevent.NoBlock()); err != nil {
			t.Errorf("Kill(NoBlock()) = %v; want nil", err)
		}
		if st.killed != 2 || g.Len() != 1 {
			t.Errorf("kills, Len = %d, %d; want 2, 1", st.killed, g.Len())
		}
		g.Discard(st)
	})
}

// TestGroupKillFromMember checks that a member killing its own group waits
// for the others and is killed itself afterwards.
func TestGroupKillFromMember(t *testing.T) {
	run(t, func() {
		g := pool.NewGroup()
		s := gate(t)
		var otherErr error
		other, _ := pool.Spawn(g, func() (int, error) { otherErr = s.Acquire(); return 0, nil })
		var killErr, after error
		var otherDone bool
		killer, _ := pool.Spawn(g, func() (int, error) {
			killErr = g.Kill()
			otherDone = other.Ready()
			after = gevent.Sleep(0)
			return 0, nil
		})
		if err := g.Join(); err != nil {
			t.Errorf("Join = %v", err)
		}
		if killErr != nil || !otherDone || !errors.Is(otherErr, gevent.ErrGreenletExit) || !errors.Is(after, gevent.ErrGreenletExit) {
			t.Errorf("Kill = %v, other done %v (%v), killer's next switch = %v; want nil, true (ErrGreenletExit), ErrGreenletExit",
				killErr, otherDone, otherErr, after)
		}
		if !killer.Ready() {
			t.Error("killer not finished")
		}
	})
}

// TestGroupCrossHub joins, from one hub, members that run on other hubs and
// on a plain goroutine's hub.
func TestGroupCrossHub(t *testing.T) {
	g := pool.NewGroup()
	s := gate(t)
	s.Locked() // shared with this goroutine: the hubs blocked on it stay alive
	added := make(chan struct{})
	var wg sync.WaitGroup
	var log []int
	var mu sync.Mutex
	for i := range 3 {
		wg.Go(func() {
			run(t, func() {
				gr, err := pool.Spawn(g, func() (int, error) {
					if err := s.Acquire(); err != nil {
						return 0, err
					}
					mu.Lock()
					log = append(log, i)
					mu.Unlock()
					return i, nil
				})
				if err != nil {
					t.Errorf("Spawn = %v", err)
				}
				added <- struct{}{}
				if err := gr.Join(); err != nil {
					t.Errorf("Join of member %d = %v", i, err)
				}
			})
		})
	}
	for range 3 {
		<-added
	}
	var joinErr error
	run(t, func() {
		gevent.Go(func() {
			for range 3 {
				s.Release()
				gevent.Sleep(time.Millisecond)
			}
		})
		joinErr = g.JoinTimeout(10 * time.Second)
	})
	wg.Wait()
	if joinErr != nil || g.Len() != 0 || len(log) != 3 {
		t.Errorf("Join = %v, Len %d, ran %v; want nil, 0, 3 members", joinErr, g.Len(), log)
	}
	slices.Sort(log)
	if !slices.Equal(log, []int{0, 1, 2}) {
		t.Errorf("ran %v; want [0 1 2]", log)
	}
}

// TestGroupMemberOfDestroyedHub: a greenlet unwound by Hub.Destroy is dead
// and its links still run, so it leaves its Group and Join returns.
func TestGroupMemberOfDestroyedHub(t *testing.T) {
	g := pool.NewGroup()
	g.Len() // shared with this goroutine
	done := make(chan *gevent.Greenlet[struct{}])
	go run(t, func() {
		gr := gevent.Go(func() { gevent.Sleep(time.Hour) })
		g.Add(gr)
		gevent.Sleep(0)
		done <- gr
	}) // Run destroys the hub, unwinding gr
	gr := <-done
	for !gr.Ready() {
		time.Sleep(time.Millisecond)
	}
	if err := g.JoinTimeout(time.Second); err != nil || g.Len() != 0 {
		t.Errorf("Join = %v, Len %d; want nil, 0 (the member is dead: %v)", err, g.Len(), gr.Err())
	}
}

// TestGroupWaitallAndKill ports test__greenletset.py test_waitall,
// test_kill_block and test_kill_noblock (gevent 22.10.2: join waits for
// the longer sleep and empties the group; kill(block=False) returns with
// both members still in, gone after a sleep; kill() empties it at once).
func TestGroupWaitallAndKill(t *testing.T) {
	run(t, func() {
		sleep := func(d time.Duration) func() { return func() { gevent.Sleep(d) } }
		g := pool.NewGroup()
		g.Go(sleep(10 * time.Millisecond))
		g.Go(sleep(20 * time.Millisecond))
		start := time.Now()
		if err := g.Join(gevent.RaiseError()); err != nil || g.Len() != 0 {
			t.Errorf("Join(RaiseError()) = %v, Len %d; want nil, 0", err, g.Len())
		}
		if d := time.Since(start); d < 20*time.Millisecond {
			t.Errorf("Join returned after %v; want the longer member's 20ms", d)
		}

		g.Go(sleep(time.Hour))
		g.Go(sleep(time.Hour))
		if err := g.Kill(gevent.NoBlock()); err != nil || g.Len() != 2 {
			t.Errorf("Kill(NoBlock()) = %v, Len %d; want nil, 2", err, g.Len())
		}
		gevent.Sleep(time.Millisecond)
		if g.Len() != 0 {
			t.Errorf("Len after the kills ran = %d; want 0", g.Len())
		}

		g.Go(sleep(time.Hour))
		g.Go(sleep(time.Hour))
		if err := g.Kill(); err != nil || g.Len() != 0 {
			t.Errorf("Kill() = %v, Len %d; want nil, 0", err, g.Len())
		}
	})
}

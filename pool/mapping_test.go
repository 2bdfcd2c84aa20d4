package pool_test

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/pool"
)

// sleeper returns a task that yields x times, then returns 10*x, and
// records how many tasks ran at once.
func sleeper(running, maxRunning *int) func(int) (int, error) {
	return func(x int) (int, error) {
		*running++
		*maxRunning = max(*maxRunning, *running)
		defer func() { *running-- }()
		for range x {
			if err := gevent.Sleep(0); err != nil {
				return 0, err
			}
		}
		return 10 * x, nil
	}
}

func collect(seq iter.Seq2[int, error]) ([]int, []error) {
	var vs []int
	var errs []error
	for v, err := range seq {
		vs = append(vs, v)
		errs = append(errs, err)
	}
	return vs, errs
}

// TestMapOrders checks that Map and IMap yield in input order and
// IMapUnordered in completion order, and that a Pool bounds how many calls
// run at once. Task x yields x times, so the completion order follows from
// the hub's FIFO.
func TestMapOrders(t *testing.T) {
	in := []int{3, 1, 2}
	for _, tc := range []struct {
		name          string
		size          int // 0: a Group
		wantUnordered []int
		wantMax       int
	}{
		{"Group", 0, []int{10, 20, 30}, 3},
		// 3 and 1 run; 1 finishes, then 2 starts and 3 finishes before it.
		{"Pool(2)", 2, []int{10, 30, 20}, 2},
		{"Pool(1)", 1, []int{30, 10, 20}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func() {
				var s pool.Spawner = pool.NewGroup()
				if tc.size > 0 {
					s = newPool(t, tc.size)
				}
				var running, maxRunning int
				fn := sleeper(&running, &maxRunning)

				got, err := pool.Map(s, slices.Values(in), fn)
				if want := []int{30, 10, 20}; err != nil || !slices.Equal(got, want) {
					t.Errorf("Map = %v, %v; want %v, nil", got, err, want)
				}
				vs, errs := collect(pool.IMap(s, slices.Values(in), fn))
				if want := []int{30, 10, 20}; !slices.Equal(vs, want) || slices.ContainsFunc(errs, isErr) {
					t.Errorf("IMap = %v, %v; want %v, no errors", vs, errs, want)
				}
				vs, errs = collect(pool.IMapUnordered(s, slices.Values(in), fn))
				if !slices.Equal(vs, tc.wantUnordered) || slices.ContainsFunc(errs, isErr) {
					t.Errorf("IMapUnordered = %v, %v; want %v, no errors", vs, errs, tc.wantUnordered)
				}
				if maxRunning != tc.wantMax || s.Len() != 0 {
					t.Errorf("max running, Len = %d, %d; want %d, 0", maxRunning, s.Len(), tc.wantMax)
				}
			})
		})
	}
}

func isErr(err error) bool { return err != nil }

// TestMapErrors checks that a failed call's error is delivered at its
// position and that iteration goes on.
func TestMapErrors(t *testing.T) {
	errTwo, errFour := errors.New("two"), errors.New("four")
	fn := func(x int) (int, error) {
		switch x {
		case 2: // fails last
			for range 3 {
				gevent.Sleep(0)
			}
			return -2, errTwo // the value of a failed call is kept, as Get keeps it
		case 4: // fails first
			return -4, errFour
		}
		gevent.Sleep(0)
		return 10 * x, nil
	}
	in := []int{1, 2, 3, 4, 5}
	run(t, func() {
		quiet()
		p := newPool(t, 3)
		got, err := pool.Map(p, slices.Values(in), fn)
		if want := []int{10, -2, 30, -4, 50}; !slices.Equal(got, want) || err != errTwo {
			t.Errorf("Map = %v, %v; want %v, two (the first in input order)", got, err, want)
		}
		vs, errs := collect(pool.IMap(p, slices.Values(in), fn))
		if want := []error{nil, errTwo, nil, errFour, nil}; !slices.Equal(vs, []int{10, -2, 30, -4, 50}) || !slices.Equal(errs, want) {
			t.Errorf("IMap = %v, %v; want [10 -2 30 -4 50], %v", vs, errs, want)
		}
		// In a Group all calls start at once: 4 fails first, 2 last.
		vs, errs = collect(pool.IMapUnordered(pool.NewGroup(), slices.Values(in), fn))
		wantErrs := []error{errFour, nil, nil, nil, errTwo}
		if !slices.Equal(vs, []int{-4, 10, 30, 50, -2}) || !slices.Equal(errs, wantErrs) {
			t.Errorf("IMapUnordered = %v, %v; want [-4 10 30 50 -2], %v", vs, errs, wantErrs)
		}
	})
}

// TestIMapInputSwitches feeds IMap from an iterator that itself switches.
func TestIMapInputSwitches(t *testing.T) {
	run(t, func() {
		p := newPool(t, 2)
		in := func(yield func(int) bool) {
			for i := range 4 {
				gevent.Sleep(0)
				if !yield(i) {
					return
				}
			}
		}
		got, err := pool.Map(p, in, func(x int) (string, error) { return fmt.Sprint(x), nil })
		if want := []string{"0", "1", "2", "3"}; err != nil || !slices.Equal(got, want) {
			t.Errorf("Map = %v, %v; want %v, nil", got, err, want)
		}
	})
}

// TestIMapStopsEarly checks that leaving the loop early, or the consumer
// being killed, kills the calls whose results were not yielded.
func TestIMapStopsEarly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		consume func(seq iter.Seq2[int, error]) (int, error)
		wantErr error
	}{
		{
			name: "break",
			consume: func(seq iter.Seq2[int, error]) (int, error) {
				for v, err := range seq {
					return v, err
				}
				return -1, nil
			},
		},
		{
			name: "consumer killed",
			consume: func(seq iter.Seq2[int, error]) (int, error) {
				n := 0
				var last error
				for _, err := range seq {
					n++
					last = err
					if n == 1 {
						self := gevent.Current().(gevent.Killable)
						gevent.Go(func() { self.Kill(gevent.NoBlock()) })
					}
				}
				return n, last
			},
			wantErr: gevent.ErrGreenletExit,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, func() {
				g := pool.NewGroup()
				s := gate(t)
				errs := make([]error, 5)
				fn := func(x int) (int, error) {
					if x > 0 {
						errs[x] = s.Acquire()
					}
					return x, nil
				}
				var got int
				var err error
				consumer := gevent.Go(func() {
					got, err = tc.consume(pool.IMap(g, slices.Values([]int{0, 1, 2, 3, 4}), fn))
				})
				consumer.Join()
				if err := g.Join(); err != nil {
					t.Errorf("Join = %v", err)
				}
				if tc.wantErr == nil && (got != 0 || err != nil) {
					t.Errorf("first result = %d, %v; want 0, nil", got, err)
				}
				if tc.wantErr != nil && (got != 2 || !errors.Is(err, tc.wantErr)) {
					t.Errorf("consumer saw %d results, the last error %v; want 2, %v", got, err, tc.wantErr)
				}
				for x := 1; x < 5; x++ {
					if !errors.Is(errs[x], gevent.ErrGreenletExit) {
						t.Errorf("call %d's Acquire = %v; want ErrGreenletExit", x, errs[x])
					}
				}
			})
		})
	}
}

// TestApply checks Apply's result and error, and that a member of a Pool of
// size 1 can apply without waiting for its own slot.
func TestApply(t *testing.T) {
	errBoom := errors.New("boom")
	run(t, func() {
		quiet()
		p := newPool(t, 1)
		if v, err := pool.Apply(p, func() (int, error) { return 7, nil }); v != 7 || err != nil {
			t.Errorf("Apply = %d, %v; want 7, nil", v, err)
		}
		if v, err := pool.Apply(p, func() (int, error) { return 1, errBoom }); v != 1 || err != errBoom {
			t.Errorf("Apply of a failing call = %d, %v; want 1 (the value is kept, as Get keeps it), boom", v, err)
		}
		var inner *gevent.Greenlet[int]
		outer, err := pool.Spawn(p, func() (int, error) {
			inner = nil
			v, err := pool.Apply(p, func() (int, error) {
				if cur, ok := gevent.Current().(*gevent.Greenlet[int]); ok {
					inner = cur
				}
				return 5, nil
			})
			return v + 1, err
		})
		if err != nil {
			t.Fatalf("Spawn = %v", err)
		}
		if v, err := outer.Get(); v != 6 || err != nil {
			t.Errorf("outer = %d, %v; want 6, nil (Apply from a member of a full pool)", v, err)
		}
		if inner != outer {
			t.Errorf("re-entrant Apply ran in %v; want the member itself", inner)
		}
		// Apply on a Group from a non-member spawns.
		g := pool.NewGroup()
		var ranIn any
		pool.Apply(g, func() (int, error) { ranIn = gevent.Current(); return 0, nil })
		if ranIn == nil {
			t.Error("Apply from the hub's main ran inline; want a new greenlet")
		}
	})
}

package local_test

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"
	"weak"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/local"
)

func run(t *testing.T, fn func()) {
	t.Helper()
	if err := gevent.Run(fn); err != nil {
		t.Fatalf("gevent.Run = %v", err)
	}
}

func join(t *testing.T, gs ...*gevent.Greenlet[struct{}]) {
	t.Helper()
	if _, err := gevent.JoinAll(gs, gevent.Within(10*time.Second)); err != nil {
		t.Fatalf("JoinAll = %v", err)
	}
}

func show[T any](v T, ok bool) string { return fmt.Sprint(v, " ", ok) }

func TestLocalVisibility(t *testing.T) {
	tests := []struct {
		name string
		body func(l *local.Local[int], log *[]string)
		want []string
	}{{
		name: "a value set by one greenlet is invisible to another",
		body: func(l *local.Local[int], log *[]string) {
			gevent.Go(func() {
				l.Set(1)
				*log = append(*log, "f1 "+show(l.Get()))
			})
			gevent.Go(func() { *log = append(*log, "f2 "+show(l.Get())) })
		},
		want: []string{"f1 1 true", "f2 0 false"},
	}, {
		name: "each greenlet keeps its own value across switches",
		body: func(l *local.Local[int], log *[]string) {
			for i := range 3 {
				gevent.Go(func() {
					l.Set(i * 10)
					gevent.Sleep(0)
					*log = append(*log, fmt.Sprint(i, " ", show(l.Get())))
				})
			}
		},
		want: []string{"0 0 true", "1 10 true", "2 20 true"},
	}, {
		name: "the hub's owner and its greenlets are separate",
		body: func(l *local.Local[int], log *[]string) {
			l.Set(7)
			gevent.Go(func() {
				*log = append(*log, "greenlet "+show(l.Get()))
				l.Set(8)
			})
			gevent.Sleep(0)
			*log = append(*log, "main "+show(l.Get()))
		},
		want: []string{"greenlet 0 false", "main 7 true"},
	}, {
		name: "a spawned greenlet does not inherit its spawner's value",
		body: func(l *local.Local[int], log *[]string) {
			gevent.Go(func() {
				l.Set(1)
				g := gevent.Go(func() { *log = append(*log, "child "+show(l.Get())) })
				g.Join()
				*log = append(*log, "parent "+show(l.Get()))
			})
		},
		want: []string{"child 0 false", "parent 1 true"},
	}, {
		name: "Delete removes only the caller's value",
		body: func(l *local.Local[int], log *[]string) {
			l.Set(5)
			gevent.Go(func() {
				l.Set(6)
				l.Delete()
				*log = append(*log, "deleted "+show(l.Get()))
				l.Delete() // twice: nothing to do
			})
			gevent.Sleep(0)
			*log = append(*log, "main "+show(l.Get()))
		},
		want: []string{"deleted 0 false", "main 5 true"},
	}, {
		name: "a later greenlet starts without the values of finished ones",
		body: func(l *local.Local[int], log *[]string) {
			for i := range 3 {
				g := gevent.Go(func() {
					*log = append(*log, fmt.Sprint(i, " ", show(l.Get())))
					l.Set(i + 1)
				})
				g.Join() // the next greenlet reuses its coroutine
			}
		},
		want: []string{"0 0 false", "1 0 false", "2 0 false"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log []string
			run(t, func() {
				var l local.Local[int]
				tt.body(&l, &log)
				gevent.Sleep(time.Millisecond)
				gevent.CurrentHub().Join()
			})
			if !slices.Equal(log, tt.want) {
				t.Errorf("log = %q; want %q", log, tt.want)
			}
		})
	}
}

func TestLocalPlainGoroutines(t *testing.T) {
	var l local.Local[string]
	l.Set("test goroutine")
	got := make(chan string)
	go func() {
		v, ok := l.Get()
		l.Set("other")
		got <- show(v, ok)
	}()
	if g := <-got; g != " false" {
		t.Errorf("other goroutine Get = %q; want \" false\"", g)
	}
	if v, ok := l.Get(); v != "test goroutine" || !ok {
		t.Errorf("Get = %q, %v; want \"test goroutine\", true", v, ok)
	}
	l.Delete()
	if v, ok := l.Get(); ok {
		t.Errorf("Get after Delete = %q, %v; want false", v, ok)
	}
}

func TestLocalInit(t *testing.T) {
	tests := []struct {
		name  string
		body  func(l *local.Local[string])
		calls int // how many greenlets use l
		want  []string
	}{{
		name:  "Get runs init once per greenlet",
		calls: 2,
		body: func(l *local.Local[string]) {
			l.Get()
			l.Get()
		},
		want: []string{"init 1", "init 2"},
	}, {
		name:  "Set runs init first",
		calls: 1,
		body: func(l *local.Local[string]) {
			l.Set("mine")
			if v, ok := l.Get(); v != "mine" || !ok {
				panic(fmt.Sprintf("Get = %q, %v", v, ok))
			}
		},
		want: []string{"init 1"},
	}, {
		name:  "Delete does not run init again",
		calls: 1,
		body: func(l *local.Local[string]) {
			l.Delete()
			if v, ok := l.Get(); ok {
				panic(fmt.Sprintf("Get after Delete = %q, %v", v, ok))
			}
			l.Set("again")
			l.Get()
		},
		want: []string{"init 1"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log []string
			run(t, func() {
				n := 0
				l := local.New(func() string {
					n++
					log = append(log, fmt.Sprint("init ", n))
					return fmt.Sprint("value ", n)
				})
				var gs []*gevent.Greenlet[struct{}]
				for range tt.calls {
					gs = append(gs, gevent.Go(func() { tt.body(l) }))
				}
				join(t, gs...)
				for i, g := range gs {
					if err := g.Err(); err != nil {
						t.Errorf("greenlet %d: %v", i, err)
					}
				}
			})
			if !slices.Equal(log, tt.want) {
				t.Errorf("log = %q; want %q", log, tt.want)
			}
		})
	}
	run(t, func() {
		n := 0
		l := local.New(func() int { n++; return n * 100 })
		var got []string
		for range 3 {
			gevent.Go(func() { got = append(got, show(l.Get())) }).Join()
		}
		got = append(got, "main "+show(l.Get()), "main "+show(l.Get()))
		want := []string{"100 true", "200 true", "300 true", "main 400 true", "main 400 true"}
		if !slices.Equal(got, want) {
			t.Errorf("values = %q; want %q (a new greenlet runs init again)", got, want)
		}
	})
}

// TestLocalDropped checks with a weak pointer that a greenlet's value is
// garbage once the greenlet has finished, though its Greenlet is still
// referenced.
func TestLocalDropped(t *testing.T) {
	run(t, func() {
		var l local.Local[*[1 << 16]byte]
		var wp weak.Pointer[[1 << 16]byte]
		g := gevent.Go(func() {
			v := new([1 << 16]byte)
			wp = weak.Make(v)
			l.Set(v)
			gevent.Sleep(0)
		})
		gevent.Sleep(0)
		runtime.GC()
		if wp.Value() == nil {
			t.Fatal("value collected while its greenlet runs")
		}
		g.Join()
		runtime.GC()
		if wp.Value() != nil {
			t.Error("value of a finished greenlet is still reachable")
		}
		runtime.KeepAlive(g)
	})
}

func TestLocalsAreIndependent(t *testing.T) {
	run(t, func() {
		var a, b local.Local[int]
		c := local.New[int](nil)
		a.Set(1)
		b.Set(2)
		if got := fmt.Sprint(show(a.Get()), ", ", show(b.Get()), ", ", show(c.Get())); got != "1 true, 2 true, 0 false" {
			t.Errorf("a, b, c = %s; want 1 true, 2 true, 0 false", got)
		}
	})
}

package gevent_test

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geventgo/gevent"
)

var errBoom = errors.New("gevent-test: boom")

// TestSpawnOrder: spawned greenlets start in spawn order, and only once the
// spawner yields (docs/gevent.md §1).
func TestSpawnOrder(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var got []string
		var gs []*gevent.Greenlet[struct{}]
		for _, name := range []string{"a", "b", "c"} {
			gs = append(gs, gevent.Go(func() { got = append(got, name) }))
		}
		got = append(got, "main")
		if _, err := gevent.JoinAll(gs); err != nil {
			t.Fatalf("JoinAll = %v", err)
		}
		if want := []string{"main", "a", "b", "c"}; !slices.Equal(got, want) {
			t.Errorf("order = %v; want %v", got, want)
		}
	})
}

// TestCallbacksAndSpawnsShareFIFO: RunCallback and Spawn queue on one FIFO,
// giving gevent's [0, 1, 2, 'g', 3] (docs/gevent.md §1).
func TestCallbacksAndSpawnsShareFIFO(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		var got []string
		for i := range 3 {
			h.RunCallback(func() { got = append(got, strconv.Itoa(i)) })
		}
		g := gevent.Go(func() { got = append(got, "g") })
		h.RunCallback(func() { got = append(got, "3") })
		if err := g.Join(); err != nil {
			t.Fatalf("Join = %v", err)
		}
		if want := []string{"0", "1", "2", "g", "3"}; !slices.Equal(got, want) {
			t.Errorf("order = %v; want %v", got, want)
		}
	})
}

// state is what the state table of docs/gevent.md §5 shows of a
// greenlet.
type state struct {
	started, ready, dead, successful bool
	value                            int
	err                              string // "" for nil, else a description checked by errMatch
}

func stateOf(g *gevent.Greenlet[int]) state {
	s := state{g.Started(), g.Ready(), g.Dead(), g.Successful(), g.Value(), ""}
	switch err := g.Err(); {
	case err == nil:
	case errors.Is(err, errBoom):
		s.err = "boom"
	case errors.As(err, new(*gevent.PanicError)):
		s.err = "panic"
	default:
		s.err = err.Error()
	}
	return s
}

// TestGreenletStates checks Started/Ready/Dead/Successful/Value/Err in every
// column of gevent's state table.
func TestGreenletStates(t *testing.T) {
	ret := func(v int, err error) func() (int, error) { return func() (int, error) { return v, err } }
	tests := []struct {
		name string
		make func() *gevent.Greenlet[int]
		want state
	}{
		{"unstarted", func() *gevent.Greenlet[int] { return gevent.New(ret(7, nil)) },
			state{}},
		{"scheduled", func() *gevent.Greenlet[int] { return gevent.Spawn(ret(7, nil)) },
			state{started: true}},
		{"finished", func() *gevent.Greenlet[int] { g := gevent.Spawn(ret(7, nil)); g.Join(); return g },
			state{ready: true, dead: true, successful: true, value: 7}},
		{"failed", func() *gevent.Greenlet[int] { g := gevent.Spawn(ret(7, errBoom)); g.Join(); return g },
			state{ready: true, dead: true, err: "boom", value: 7}}, // Value keeps T, like io.Reader's n
		{"panicked", func() *gevent.Greenlet[int] {
			g := gevent.Spawn(func() (int, error) { panic("oops") })
			g.Join()
			return g
		}, state{ready: true, dead: true, err: "panic"}},
		{"returned ErrGreenletExit", func() *gevent.Greenlet[int] {
			g := gevent.Spawn(ret(5, gevent.ErrGreenletExit))
			g.Join()
			return g
		}, state{ready: true, dead: true, successful: true, value: 5}},
		{"killed before start", func() *gevent.Greenlet[int] { g := gevent.Spawn(ret(7, nil)); g.Kill(); return g },
			state{ready: true, dead: true, successful: true}},
		{"killed before start with error", func() *gevent.Greenlet[int] {
			g := gevent.Spawn(ret(7, nil))
			g.Kill(gevent.WithError(errBoom))
			return g
		}, state{ready: true, dead: true, err: "boom"}},
		{"killed while running", func() *gevent.Greenlet[int] {
			g := gevent.Spawn(func() (int, error) { return 3, gevent.Sleep(time.Hour) })
			gevent.Sleep(0)
			g.Kill()
			return g
		}, state{ready: true, dead: true, successful: true, value: 3}},
		{"killed while running with error", func() *gevent.Greenlet[int] {
			g := gevent.Spawn(func() (int, error) { return 3, gevent.Sleep(time.Hour) })
			gevent.Sleep(0)
			g.Kill(gevent.WithError(errBoom))
			return g
		}, state{ready: true, dead: true, err: "boom", value: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runHub(t, func(h *gevent.Hub) {
				h.SetErrorStream(nil)
				if got := stateOf(tt.make()); got != tt.want {
					t.Errorf("state = %+v; want %+v", got, tt.want)
				}
			})
		})
	}
	// Running: observed by the greenlet itself.
	runHub(t, func(*gevent.Hub) {
		var g *gevent.Greenlet[int]
		var inside state
		g = gevent.Spawn(func() (int, error) { inside = stateOf(g); return 0, nil })
		g.Join()
		if want := (state{started: true}); inside != want {
			t.Errorf("running: state = %+v; want %+v", inside, want)
		}
	})
}

func TestGetAndTryGet(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		h.SetErrorStream(nil)
		ok := gevent.Spawn(func() (int, error) { return 42, gevent.Sleep(time.Millisecond) })
		fail := gevent.Spawn(func() (int, error) { return 1, errBoom })
		slow := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
		if v, err := ok.TryGet(); v != 0 || !errors.Is(err, gevent.ErrNotReady) {
			t.Errorf("TryGet before the end = %v, %v; want 0, ErrNotReady", v, err)
		}
		if v, err := ok.Get(); v != 42 || err != nil {
			t.Errorf("Get = %v, %v; want 42, nil", v, err)
		}
		if v, err := ok.TryGet(); v != 42 || err != nil {
			t.Errorf("TryGet after the end = %v, %v; want 42, nil", v, err)
		}
		if v, err := fail.Get(); v != 1 || !errors.Is(err, errBoom) {
			t.Errorf("Get of a failed greenlet = %v, %v; want 1 (the value is kept), boom", v, err)
		}
		if err := fail.Join(); err != nil {
			t.Errorf("Join of a failed greenlet = %v; want nil", err)
		}
		start := time.Now()
		if v, err := slow.GetTimeout(10 * time.Millisecond); v != 0 || !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("GetTimeout = %v, %v; want 0, ErrTimeout", v, err)
		}
		if err := slow.JoinTimeout(10 * time.Millisecond); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("JoinTimeout = %v; want ErrTimeout", err)
		}
		if d := time.Since(start); d < 20*time.Millisecond || d > 2*time.Second {
			t.Errorf("two 10ms timed waits took %v", d)
		}
		if err := slow.JoinTimeout(0); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("JoinTimeout(0) = %v; want ErrTimeout", err)
		}
		slow.Kill()
		if v, err := slow.GetTimeout(time.Second); v != 0 || err != nil {
			t.Errorf("GetTimeout of a killed greenlet = %v, %v; want 0, nil", v, err)
		}
	})
}

func TestPanicError(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		h.SetErrorStream(nil)
		g := gevent.Spawn(func() (string, error) { panic("oops") })
		_, err := g.Get()
		var pe *gevent.PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("Get = %v; want a *PanicError", err)
		}
		if pe.Value != "oops" || !strings.Contains(string(pe.Stack), "TestPanicError") {
			t.Errorf("PanicError{Value: %v, Stack: %d bytes}; want oops and a stack naming the function", pe.Value, len(pe.Stack))
		}
		if got := pe.Error(); got != "gevent: panic: oops" {
			t.Errorf("Error() = %q", got)
		}
		g2 := gevent.Spawn(func() (string, error) { panic(errBoom) })
		if _, err := g2.Get(); !errors.Is(err, errBoom) {
			t.Errorf("Get after panic(errBoom) = %v; want errors.Is boom (Unwrap)", err)
		}
	})
}

// TestFailureReport: a failure is reported once, in gevent's form, and the
// program goes on; ErrGreenletExit and kills with it are not reported.
func TestFailureReport(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		log := captureReports(h)
		g := gevent.Spawn(func() (int, error) { return 0, errBoom })
		g.SetName("worker")
		exit := gevent.Spawn(func() (int, error) { return 0, gevent.ErrGreenletExit })
		killed := gevent.Spawn(func() (int, error) { return 0, gevent.Sleep(time.Hour) })
		after := false
		gevent.Go(func() { after = true })
		gevent.Sleep(0)
		killed.Kill()
		gevent.JoinAll([]*gevent.Greenlet[int]{g, exit, killed})
		g.Get()
		g.Get()
		if !after {
			t.Error("a greenlet spawned after the failing one did not run")
		}
		rs := log.get()
		if len(rs) != 1 {
			t.Fatalf("got %d reports %v; want 1", len(rs), rs)
		}
		r := rs[0]
		if !errors.Is(r.Err, errBoom) || r.Stack != nil {
			t.Errorf("report Err %v, Stack %d bytes; want boom, none", r.Err, len(r.Stack))
		}
		ctx := regexp.MustCompile(`^<Greenlet "worker" at 0x[0-9a-f]+: \S+TestFailureReport\S*>$`)
		if !ctx.MatchString(r.Context) || r.Context != g.String() {
			t.Errorf("Context = %q (String() = %q); want %v", r.Context, g.String(), ctx)
		}
		line := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ <Greenlet "worker" at 0x[0-9a-f]+: \S+> failed with gevent-test: boom\n$`)
		if s := r.String(); !line.MatchString(s) {
			t.Errorf("String() = %q; want %v", s, line)
		}
		if d := time.Since(r.Time); d < 0 || d > time.Minute {
			t.Errorf("report Time %v is not now", r.Time)
		}
	})
}

// TestErrorStream: the default handler prints reports to the error stream;
// a panic's report starts with its stack; nil silences it.
func TestErrorStream(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		var buf strings.Builder
		h.SetErrorStream(&buf)
		g := gevent.Spawn(func() (int, error) { panic("kaput") })
		g.Join()
		out := buf.String()
		if !strings.HasPrefix(out, "goroutine ") || !strings.Contains(out, "TestErrorStream") {
			t.Errorf("panic report does not start with the stack:\n%s", out)
		}
		tail := regexp.MustCompile(`\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ <Greenlet "Greenlet-\d+" at 0x[0-9a-f]+: \S+> failed with gevent: panic: kaput\n\n$`)
		if !tail.MatchString(out) {
			t.Errorf("panic report does not end with gevent's line:\n%s", out)
		}

		buf.Reset()
		h.SetErrorHandler(func(gevent.Report) { t.Error("handler called after SetErrorHandler(nil)") })
		h.SetErrorHandler(nil)
		h.SetErrorStream(nil)
		gevent.Spawn(func() (int, error) { return 0, errBoom }).Join()
		if buf.Len() != 0 {
			t.Errorf("SetErrorStream(nil) still printed %q", buf.String())
		}
	})
}

func TestSpawnLater(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		var got []string
		start := time.Now()
		later := gevent.SpawnLater(20*time.Millisecond, func() (int, error) { got = append(got, "later"); return 0, nil })
		now := gevent.Spawn(func() (int, error) { got = append(got, "now"); return 0, nil })
		gevent.Sleep(0)
		if !later.Started() || later.Ready() {
			t.Errorf("waiting SpawnLater: Started, Ready = %v, %v; want true, false", later.Started(), later.Ready())
		}
		gevent.JoinAll([]*gevent.Greenlet[int]{later, now})
		if d := time.Since(start); d < 20*time.Millisecond {
			t.Errorf("SpawnLater(20ms) ran after %v", d)
		}
		if want := []string{"now", "later"}; !slices.Equal(got, want) {
			t.Errorf("order = %v; want %v", got, want)
		}

		ran := false
		k := gevent.SpawnLater(5*time.Millisecond, func() (int, error) { ran = true; return 0, nil })
		k.Kill()
		gevent.Sleep(20 * time.Millisecond)
		if ran || !k.Successful() {
			t.Errorf("SpawnLater killed before its time: ran %v, Successful %v; want false, true", ran, k.Successful())
		}

		n := gevent.New(func() (int, error) { return 1, nil })
		n.StartLater(time.Millisecond)
		if v, err := n.Get(); v != 1 || err != nil {
			t.Errorf("New+StartLater: Get = %v, %v; want 1, nil", v, err)
		}
	})
}

func TestNewStart(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		h.SetErrorStream(nil)
		runs := 0
		g := gevent.New(func() (int, error) { runs++; return runs, nil })
		gevent.Sleep(0)
		if runs != 0 || g.Started() {
			t.Fatalf("New ran %d times, Started %v before Start", runs, g.Started())
		}
		g.Start()
		g.Start() // idempotent
		if v, err := g.Get(); v != 1 || err != nil {
			t.Errorf("Get = %v, %v; want 1, nil", v, err)
		}
		g.Start() // finished: nothing
		gevent.Sleep(0)
		if runs != 1 {
			t.Errorf("function ran %d times; want 1", runs)
		}
		if _, err := gevent.Spawn[int](nil).Get(); err == nil {
			t.Error("Get of a greenlet with a nil function = nil error; want an error")
		}
	})
}

// TestNamesAndIDs: ids are small, the smallest free one when a greenlet
// starts, reused after death; names default to Greenlet-<id>.
func TestNamesAndIDs(t *testing.T) {
	runHub(t, func(*gevent.Hub) {
		block := func() (int, error) { return 0, gevent.Sleep(time.Hour) }
		a := gevent.Spawn(block)
		b := gevent.Spawn(func() (int, error) { return 0, nil })
		c := gevent.Spawn(block)
		if a.ID() != 0 {
			t.Errorf("ID before start = %d; want 0", a.ID())
		}
		gevent.Sleep(0)
		// b finished before c started, so c reuses b's id.
		if a.ID() != 1 || b.ID() != 2 || c.ID() != 2 {
			t.Errorf("ids a, b, c = %d, %d, %d; want 1, 2, 2", a.ID(), b.ID(), c.ID())
		}
		if a.Name() != "Greenlet-1" {
			t.Errorf("Name() = %q; want Greenlet-1", a.Name())
		}
		a.SetName("alpha")
		if a.Name() != "alpha" || !strings.Contains(a.String(), `"alpha"`) {
			t.Errorf("after SetName: Name %q, String %q", a.Name(), a.String())
		}
		a.Kill()
		c.Kill()
		d := gevent.Spawn(block)
		e := gevent.Spawn(block)
		gevent.Sleep(0)
		if d.ID() != 1 || e.ID() != 2 {
			t.Errorf("ids after deaths d, e = %d, %d; want 1, 2 (smallest first)", d.ID(), e.ID())
		}
		gevent.KillAll([]*gevent.Greenlet[int]{d, e})
	})
}

func TestCurrent(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		if gevent.Current() != nil {
			t.Error("Current() in the hub's goroutine is not nil")
		}
		var g *gevent.Greenlet[int]
		var cur any
		g = gevent.Spawn(func() (int, error) { cur = gevent.Current(); return 0, nil })
		var inCallback any = "unset"
		h.RunCallback(func() { inCallback = gevent.Current() })
		g.Join()
		if cur != any(g) {
			t.Errorf("Current() in the greenlet = %v; want %v", cur, g)
		}
		if inCallback != nil {
			t.Errorf("Current() in a loop callback = %v; want nil", inCallback)
		}
		if g.Hub() != h {
			t.Error("Hub() is not the spawner's hub")
		}
	})
}

// TestLinks: links run in registration order before Join returns, filtered
// by outcome; Unlink removes one; links of a finished greenlet are
// scheduled, not run inside Link.
func TestLinks(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		h.SetErrorStream(nil)
		for _, fail := range []bool{false, true} {
			var got []string
			rec := func(s string) func(*gevent.Greenlet[int]) {
				return func(*gevent.Greenlet[int]) { got = append(got, s) }
			}
			g := gevent.Spawn(func() (int, error) {
				if fail {
					return 0, errBoom
				}
				return 1, nil
			})
			g.Link(rec("link1"))
			g.LinkValue(rec("value"))
			id := g.Link(rec("unlinked"))
			g.LinkError(rec("error"))
			g.Link(func(x *gevent.Greenlet[int]) {
				if x != g {
					t.Error("link got another greenlet")
				}
				got = append(got, "link2")
			})
			g.Unlink(id)
			g.Unlink(id + 1000) // unknown: ignored
			if err := g.Join(); err != nil {
				t.Fatalf("Join = %v", err)
			}
			want := []string{"link1", "value", "link2"}
			if fail {
				want = []string{"link1", "error", "link2"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("fail=%v: links at Join's return = %v; want %v", fail, got, want)
			}
			got = nil
			g.Link(rec("late"))
			if len(got) != 0 {
				t.Error("Link on a finished greenlet ran synchronously; want scheduled")
			}
			gevent.Sleep(0)
			if !slices.Equal(got, []string{"late"}) {
				t.Errorf("late link: got %v; want [late]", got)
			}
		}
	})
}

// TestPanickingLink: a panicking link is reported and the links after it
// still run.
func TestPanickingLink(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		log := captureReports(h)
		var got []int
		g := gevent.Spawn(func() (int, error) { return 0, nil })
		g.Link(func(*gevent.Greenlet[int]) { got = append(got, 1) })
		g.Link(func(*gevent.Greenlet[int]) { panic("bad link") })
		g.Link(func(*gevent.Greenlet[int]) { got = append(got, 3) })
		g.Join()
		if !slices.Equal(got, []int{1, 3}) {
			t.Errorf("links run = %v; want [1 3]", got)
		}
		rs := log.get()
		var pe *gevent.PanicError
		if len(rs) != 1 || !errors.As(rs[0].Err, &pe) || pe.Value != "bad link" || !strings.Contains(rs[0].Context, g.Name()) {
			t.Errorf("reports = %v; want one *PanicError(bad link) naming %s", rs, g.Name())
		}
	})
}

// TestPanicStaysInGreenlet: a panic is stored in its greenlet and reported
// with its stack; the hub, the spawner and the other greenlets go on.
func TestPanicStaysInGreenlet(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		log := captureReports(h)
		var got []string
		p := gevent.Go(func() { got = append(got, "p"); panic("inside") })
		q := gevent.Go(func() { got = append(got, "q"); gevent.Sleep(time.Millisecond); got = append(got, "q2") })
		done, err := gevent.JoinAll([]*gevent.Greenlet[struct{}]{p, q})
		if err != nil || len(done) != 2 {
			t.Fatalf("JoinAll = %d done, %v; want 2, nil", len(done), err)
		}
		if !slices.Equal(got, []string{"p", "q", "q2"}) {
			t.Errorf("ran %v; want [p q q2]", got)
		}
		rs := log.get()
		if len(rs) != 1 || !strings.Contains(string(rs[0].Stack), "panic") || rs[0].Err != p.Err() {
			t.Errorf("reports = %v; want one with the panic's stack and p's error", rs)
		}
	})
}

// TestRunCallbackStop: a queued hub callback can be stopped before it runs.
func TestRunCallbackStop(t *testing.T) {
	runHub(t, func(h *gevent.Hub) {
		ran := false
		c := h.RunCallback(func() { ran = true })
		c.Stop()
		gevent.Sleep(0)
		if ran || c.Pending() {
			t.Errorf("stopped callback: ran %v, Pending %v; want false, false", ran, c.Pending())
		}
	})
}

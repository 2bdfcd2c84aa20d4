package event_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/event"
)

var errBoom = errors.New("boom")

// arState formats every query of an AsyncResult.
func arState(ar *event.AsyncResult[string]) string {
	v, err := ar.TryGet()
	return fmt.Sprintf("ready=%v ok=%v value=%q err=%v get=%q,%v",
		ar.Ready(), ar.Successful(), ar.Value(), ar.Err(), v, err)
}

func TestAsyncResultState(t *testing.T) {
	tests := []struct {
		name string
		ops  func(ar *event.AsyncResult[string])
		want string
	}{
		{"zero", func(ar *event.AsyncResult[string]) {},
			`ready=false ok=false value="" err=<nil> get="",gevent: not ready`},
		{"Set", func(ar *event.AsyncResult[string]) { ar.Set("a") },
			`ready=true ok=true value="a" err=<nil> get="a",<nil>`},
		{"Set of the zero value", func(ar *event.AsyncResult[string]) { ar.Set("") },
			`ready=true ok=true value="" err=<nil> get="",<nil>`},
		{"SetError", func(ar *event.AsyncResult[string]) { ar.SetError(errBoom) },
			`ready=true ok=false value="" err=boom get="",boom`},
		{"Set twice overwrites", func(ar *event.AsyncResult[string]) { ar.Set("a"); ar.Set("b") },
			`ready=true ok=true value="b" err=<nil> get="b",<nil>`},
		{"Set then SetError: the value wins", func(ar *event.AsyncResult[string]) { ar.Set("a"); ar.SetError(errBoom) },
			`ready=true ok=true value="a" err=boom get="a",<nil>`},
		{"SetError then Set: the value wins", func(ar *event.AsyncResult[string]) { ar.SetError(errBoom); ar.Set("a") },
			`ready=true ok=true value="a" err=boom get="a",<nil>`},
		{"SetError(nil)", func(ar *event.AsyncResult[string]) { ar.SetError(nil) },
			`ready=true ok=false value="" err=` + event.ErrNilError.Error() + ` get="",` + event.ErrNilError.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ar event.AsyncResult[string]
			tt.ops(&ar)
			if got := arState(&ar); got != tt.want {
				t.Errorf("state = %s\nwant    %s", got, tt.want)
			}
		})
	}
	var ar event.AsyncResult[string]
	if _, err := ar.TryGet(); !errors.Is(err, gevent.ErrNotReady) {
		t.Errorf("TryGet on unset = %v; want gevent.ErrNotReady", err)
	}
}

func TestAsyncResultGet(t *testing.T) {
	tests := []struct {
		name    string
		set     func(ar *event.AsyncResult[string])
		wantLog []string
	}{{
		name: "value",
		set:  func(ar *event.AsyncResult[string]) { ar.Set("Hello!") },
		wantLog: []string{"wait 0", "wait 1", "wait 2",
			`woke 0 "Hello!",<nil>`, `woke 1 "Hello!",<nil>`, `woke 2 "Hello!",<nil>`},
	}, {
		name: "error",
		set:  func(ar *event.AsyncResult[string]) { ar.SetError(errBoom) },
		wantLog: []string{"wait 0", "wait 1", "wait 2",
			`woke 0 "",boom`, `woke 1 "",boom`, `woke 2 "",boom`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log []string
			run(t, func() {
				var ar event.AsyncResult[string]
				gs := logWaiters(3, &log, func() string {
					v, err := ar.Get()
					return fmt.Sprintf("%q,%v", v, err)
				})
				gevent.Sleep(0)
				tt.set(&ar)
				joinAll(t, gs...)
			})
			if !slices.Equal(log, tt.wantLog) {
				t.Errorf("log = %q; want %q", log, tt.wantLog)
			}
		})
	}
}

func TestAsyncResultWait(t *testing.T) {
	run(t, func() {
		var ar event.AsyncResult[int]
		if v, err := ar.GetTimeout(5 * time.Millisecond); v != 0 || !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("GetTimeout on unset = %v, %v; want 0, ErrTimeout", v, err)
		}
		if ok, err := ar.WaitTimeout(time.Millisecond); ok || err != nil {
			t.Errorf("WaitTimeout on unset = %v, %v; want false, nil", ok, err)
		}
		if n := ar.LinkCount(); n != 0 {
			t.Errorf("LinkCount after timeouts = %d; want 0", n)
		}
		if err := ar.Wait(); !errors.Is(err, gevent.ErrLoopExit) {
			t.Errorf("Wait with nobody to set = %v; want ErrLoopExit", err)
		}
		gevent.Go(func() { ar.SetError(errBoom) })
		if err := ar.Wait(); err != nil {
			t.Errorf("Wait = %v; want nil (Wait reports only wait errors)", err)
		}
		if ok, err := ar.WaitTimeout(-1); !ok || err != nil {
			t.Errorf("WaitTimeout on ready = %v, %v; want true, nil", ok, err)
		}
		if v, err := ar.GetTimeout(time.Second); v != 0 || !errors.Is(err, errBoom) {
			t.Errorf("GetTimeout = %v, %v; want 0, boom", v, err)
		}
	})
	run(t, func() {
		var ar event.AsyncResult[int]
		var got error
		g := gevent.Go(func() { _, got = ar.Get() })
		gevent.Sleep(0)
		g.Kill()
		if !errors.Is(got, gevent.ErrGreenletExit) {
			t.Errorf("Get in killed greenlet = %v; want ErrGreenletExit", got)
		}
		if n := ar.LinkCount(); n != 0 {
			t.Errorf("LinkCount after kill = %d; want 0", n)
		}
	})
}

func TestAsyncResultSetFrom(t *testing.T) {
	tests := []struct {
		name string
		fn   func() (string, error)
		want string
	}{
		{"value", func() (string, error) { return "v", nil },
			`ready=true ok=true value="v" err=<nil> get="v",<nil>`},
		{"error", func() (string, error) { return "ignored", errBoom },
			`ready=true ok=false value="" err=boom get="",boom`},
		// ErrGreenletExit is success; the function's value is kept.
		{"killed", func() (string, error) { return "x", gevent.Sleep(time.Hour) },
			`ready=true ok=true value="x" err=<nil> get="x",<nil>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, func() {
				gevent.CurrentHub().SetErrorStream(nil)
				var ar event.AsyncResult[string]
				g := gevent.Spawn(tt.fn)
				g.Link(ar.SetFrom)
				if tt.name == "killed" {
					gevent.Sleep(0)
					g.Kill()
				}
				if err := ar.Wait(); err != nil {
					t.Fatalf("Wait = %v", err)
				}
				if got := arState(&ar); got != tt.want {
					t.Errorf("state = %s\nwant    %s", got, tt.want)
				}
			})
		})
	}
	run(t, func() {
		var ar event.AsyncResult[string]
		ar.SetFrom(gevent.New(func() (string, error) { return "never", nil }))
		if ar.Ready() {
			t.Errorf("SetFrom(unfinished greenlet) made the result ready")
		}
	})
}

func TestAsyncResultWaitable(t *testing.T) {
	run(t, func() {
		ars := []*event.AsyncResult[int]{{}, {}, {}}
		gevent.Go(func() {
			ars[1].Set(1)
			gevent.Sleep(0)
			ars[2].SetError(errBoom)
			gevent.Sleep(0)
			ars[0].Set(0)
		})
		done, err := gevent.JoinAll(ars, gevent.RaiseError())
		if !errors.Is(err, errBoom) || len(done) != 2 || done[0] != ars[1] || done[1] != ars[2] {
			t.Errorf("JoinAll(RaiseError) = %v, %v; want [ars[1] ars[2]], boom", done, err)
		}
		if n := ars[0].LinkCount(); n != 0 {
			t.Errorf("LinkCount after JoinAll = %d; want 0", n)
		}
		var order []int
		for ar := range gevent.IWait(ars) {
			order = append(order, slices.Index(ars, ar))
		}
		if want := []int{0, 1, 2}; !slices.Equal(order, want) {
			t.Errorf("IWait over ready results = %v; want %v", order, want)
		}
	})
}

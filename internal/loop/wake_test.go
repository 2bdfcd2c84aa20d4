package loop_test

import (
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/loop"
	"github.com/geventgo/gevent/internal/poller"
	"golang.org/x/sys/unix"
)

// TestThreadsafeWhileBusy: a callback queued by another goroutine while the
// loop is busy with I/O runs, although the loop's first poll after a busy
// iteration (which does not block) may consume the wake-up without finding
// a descriptor ready. A loop that then slept would leave the callback queued
// until the next event; here no other event comes.
func TestThreadsafeWhileBusy(t *testing.T) {
	for _, b := range poller.Available() {
		t.Run(b, func(t *testing.T) {
			l := newLoop(t, b)
			r, w := pipe(t)
			buf := make([]byte, 64)
			io, err := l.NewIO(r, loop.Read, func(loop.Interest) { unix.Read(r, buf) })
			if err != nil {
				t.Fatal(err)
			}
			io.Start()
			defer io.Close()
			const rounds = 2000
			stuck := make(chan int, 1)
			go func() {
				ran := make(chan struct{}, 1)
				defer l.RunCallbackThreadsafe(l.Break)
				for i := range rounds {
					unix.Write(w, []byte{1}) // the loop polls, finds it, is busy
					spin(i % 64)             // ... and polls again about now
					l.RunCallbackThreadsafe(func() { ran <- struct{}{} })
					select {
					case <-ran:
					case <-time.After(5 * time.Second):
						stuck <- i
						unix.Write(w, []byte{1}) // an event, to let Run return
						<-ran
						return
					}
				}
			}()
			if err := l.Run(loop.RunDefault); err != nil {
				t.Fatalf("Run = %v", err)
			}
			select {
			case i := <-stuck:
				t.Errorf("round %d: a callback queued by another goroutine waited 5s for the next event", i)
			default:
			}
		})
	}
}

// spin busy-waits for about n microseconds.
func spin(n int) {
	for start := time.Now(); time.Since(start) < time.Duration(n)*time.Microsecond; {
	}
}

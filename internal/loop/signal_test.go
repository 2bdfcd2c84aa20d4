package loop_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/loop"
)

func testSignal(t *testing.T, l *loop.Loop) {
	n := 0
	var s *loop.Signal
	s = l.NewSignal(syscall.SIGUSR2, func() { n++; s.Stop() })
	if err := s.Start(); err != nil {
		t.Fatalf("Signal.Start = %v", err)
	}
	defer s.Close()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	guard := l.NewTimer(func() { t.Error("signal not delivered within 5s"); s.Stop() })
	guard.SetRef(false)
	guard.Start(5*time.Second, 0)
	defer guard.Stop()
	l.Run(loop.RunDefault) // the referenced signal watcher keeps it running
	if n != 1 {
		t.Errorf("signal callback ran %d times; want 1", n)
	}

	// An unreferenced signal watcher does not keep the loop alive.
	u := l.NewSignal(syscall.SIGUSR2, func() {})
	u.SetRef(false)
	u.Start()
	defer u.Close()
	if l.Alive() {
		t.Error("Alive() = true with only an unreferenced signal watcher")
	}
}

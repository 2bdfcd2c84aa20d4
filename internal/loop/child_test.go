package loop_test

import (
	"os/exec"
	"testing"
	"time"

	"github.com/geventgo/gevent/internal/loop"
	"golang.org/x/sys/unix"
)

func testChild(t *testing.T, l *loop.Loop) {
	if _, err := l.NewChild(0, nil); err == nil {
		t.Error("NewChild(0) = nil error; want an error")
	}
	cmd := exec.Command("/bin/sh", "-c", "exit 7")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start /bin/sh: %v", err)
	}
	pid := cmd.Process.Pid
	var gotPid int
	var status unix.WaitStatus
	c, err := l.NewChild(pid, func(p int, ws unix.WaitStatus) { gotPid, status = p, ws })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(); err != nil {
		t.Fatalf("Child.Start = %v", err)
	}
	if !c.Active() {
		t.Error("Active() = false after Start")
	}
	guard := l.NewTimer(func() { t.Error("child exit not seen within 5s"); c.Stop() })
	guard.SetRef(false)
	guard.Start(5*time.Second, 0)
	defer guard.Stop()
	l.Run(loop.RunDefault) // the active child watcher keeps it running
	if gotPid != pid || !status.Exited() || status.ExitStatus() != 7 {
		t.Errorf("child callback got pid %d status %v; want pid %d exit 7", gotPid, status, pid)
	}
	if c.Active() || c.Status() != status || c.PID() != pid {
		t.Errorf("after exit: Active %v, Status %v, PID %d", c.Active(), c.Status(), c.PID())
	}
}

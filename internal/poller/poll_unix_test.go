//go:build unix

package poller

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestPollReady(t *testing.T) {
	for _, tc := range []struct {
		revents uint16
		want    Interest
		ready   Interest
	}{
		{unix.POLLIN, Read, Read},
		{unix.POLLOUT, Write, Write},
		{unix.POLLIN | unix.POLLOUT, Read, Read},
		{unix.POLLHUP, Read, Read | Hangup},
		{unix.POLLHUP, Read | Write, Read | Write | Hangup},
		{unix.POLLERR, Write, Write | Error},
		{unix.POLLNVAL, Read, Read | Error},
	} {
		if got := pollReady(tc.revents, tc.want); got != tc.ready {
			t.Errorf("pollReady(%#x, %v) = %v; want %v", tc.revents, tc.want, got, tc.ready)
		}
	}
}

// checkPollIndex verifies the invariants of the poll backend's tables.
func checkPollIndex(t *testing.T, p *pollPoller) {
	t.Helper()
	if len(p.fds) != len(p.regs) || len(p.index) != len(p.fds)-1 {
		t.Fatalf("len(fds), len(regs), len(index) = %d, %d, %d; want n+1, n+1, n",
			len(p.fds), len(p.regs), len(p.index))
	}
	for i := 1; i < len(p.fds); i++ {
		reg := p.regs[i]
		if got := p.index[reg.fd]; got != int32(i) {
			t.Errorf("index[%d] = %d; want %d", reg.fd, got, i)
		}
		want := reg.fd
		if reg.want == 0 {
			want = -1
		}
		if p.fds[i].Fd != want {
			t.Errorf("fds[%d].Fd = %d; want %d (want %v)", i, p.fds[i].Fd, want, reg.want)
		}
	}
}

// TestPollDelete checks that swap-removal keeps slots and index in step.
func TestPollDelete(t *testing.T) {
	p := openT(t, testBackend{Poll, openPoll}).(*pollPoller)
	var fds []int
	for i := range 5 {
		pr := newSocketpair(t)
		add(t, p, pr.r, uint32(i), Read)
		fds = append(fds, pr.r)
	}
	if err := p.Modify(fds[3], 9, 0); err != nil {
		t.Fatalf("Modify = %v; want nil", err)
	}
	checkPollIndex(t, p)
	for _, i := range []int{1, 4, 0} { // middle, last, first
		if err := p.Delete(fds[i]); err != nil {
			t.Fatalf("Delete(%d) = %v; want nil", fds[i], err)
		}
		checkPollIndex(t, p)
	}
	if len(p.index) != 2 {
		t.Errorf("%d registrations left; want 2", len(p.index))
	}
}

// TestPollRotation checks that a short events buffer does not starve
// descriptors at the end of the set: with three descriptors always ready and
// room for one event, three Waits report all three.
func TestPollRotation(t *testing.T) {
	p := openT(t, testBackend{Poll, openPoll})
	want := map[int32]bool{}
	for i := range 3 {
		pr := newSocketpair(t)
		add(t, p, pr.r, uint32(i), Write)
		want[int32(pr.r)] = true
	}
	got := map[int32]bool{}
	evs := make([]Event, 1)
	for range 3 {
		if n, err := p.Wait(evs, 0); n != 1 || err != nil {
			t.Fatalf("Wait = %d, %v; want 1, nil", n, err)
		}
		got[evs[0].FD] = true
	}
	if len(got) != len(want) {
		t.Errorf("three Waits reported fds %v; want all of %v", got, want)
	}
}

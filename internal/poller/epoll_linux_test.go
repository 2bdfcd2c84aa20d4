package poller

import (
	"testing"

	"golang.org/x/sys/unix"
)

// The conformance table also runs against epoll with epoll_pwait2 disabled, the
// path taken on kernels older than 5.11 and under old seccomp profiles.
func init() {
	extraTestBackends = append(extraTestBackends, testBackend{"epoll_wait", func() (Poller, error) {
		p, err := openEpoll()
		if err != nil {
			return nil, err
		}
		p.(*epoll).pwait2 = false
		return p, nil
	}})
}

func TestEpollReady(t *testing.T) {
	for _, tc := range []struct {
		events uint32
		want   Interest
	}{
		{unix.EPOLLIN, Read},
		{unix.EPOLLOUT, Write},
		{unix.EPOLLIN | unix.EPOLLOUT, Read | Write},
		{unix.EPOLLRDHUP, Read | Hangup},
		{unix.EPOLLIN | unix.EPOLLRDHUP, Read | Hangup},
		{unix.EPOLLHUP, Read | Write | Hangup},
		{unix.EPOLLERR, Read | Write | Error},
		{unix.EPOLLERR | unix.EPOLLHUP, Read | Write | Error | Hangup},
	} {
		if got := epollReady(tc.events); got != tc.want {
			t.Errorf("epollReady(%#x) = %v; want %v", tc.events, got, tc.want)
		}
	}
}

func TestEpollPwait2Probe(t *testing.T) {
	p, err := openEpoll()
	if err != nil {
		t.Fatalf("openEpoll = %v; want nil", err)
	}
	defer p.Close()
	t.Logf("epoll_pwait2 in use: %v", p.(*epoll).pwait2)
}

//go:build unix && !linux

package socket

import (
	"syscall"

	"github.com/geventgo/gevent/internal/eintr"
	"golang.org/x/sys/unix"
)

// sysSocket creates a non-blocking, close-on-exec socket. Without
// SOCK_NONBLOCK the flags are set after creation, under ForkLock so that a
// concurrent fork does not inherit the descriptor.
func sysSocket(family, sotype, proto int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := eintr.Retry(func() (int, error) { return unix.Socket(family, sotype, proto) })
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// sysAccept accepts a connection as a non-blocking, close-on-exec socket.
func sysAccept(fd int) (int, unix.Sockaddr, error) {
	for {
		syscall.ForkLock.RLock()
		nfd, sa, err := unix.Accept(fd)
		if err == nil {
			unix.CloseOnExec(nfd)
		}
		syscall.ForkLock.RUnlock()
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		if err != nil {
			return -1, nil, err
		}
		if err := unix.SetNonblock(nfd, true); err != nil {
			unix.Close(nfd)
			return -1, nil, err
		}
		return nfd, sa, nil
	}
}

// msgNoSignal is 0 where send has no MSG_NOSIGNAL: the Go runtime ignores
// SIGPIPE for descriptors other than standard output and error.
const msgNoSignal = 0

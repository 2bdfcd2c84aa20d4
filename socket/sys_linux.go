package socket

import (
	"github.com/geventgo/gevent/internal/eintr"
	"golang.org/x/sys/unix"
)

// sysSocket creates a non-blocking, close-on-exec socket in one call.
func sysSocket(family, sotype, proto int) (int, error) {
	return eintr.Retry(func() (int, error) {
		return unix.Socket(family, sotype|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	})
}

// sysAccept accepts a connection as a non-blocking, close-on-exec socket.
func sysAccept(fd int) (int, unix.Sockaddr, error) {
	for {
		nfd, sa, err := unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != unix.EINTR && err != unix.ECONNABORTED {
			return nfd, sa, err
		}
	}
}

// msgNoSignal is the send flag that keeps a write to a reset connection from
// raising SIGPIPE.
const msgNoSignal = unix.MSG_NOSIGNAL

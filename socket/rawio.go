//go:build unix

package socket

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Reads and writes on a non-blocking socket return at once (data, EAGAIN or
// an error), so they are made as raw system calls, without telling the Go
// scheduler that a system call may block. A blocking call lets sysmon see the
// P "in a system call"; under load on a hub pinned to one CPU that sends
// sysmon into a 20 µs wake-up cycle that preempts the hub and retakes its P
// (measured: ~11,000 sysmon wake-ups and involuntary switches of the hub in
// 3 s of echo load, against ~450 with raw calls). The cost of a raw call is
// that a huge copy holds the P for its duration, which a hub does anyway.

var zero uintptr

// rawRead is recv(2) on a non-blocking socket: recvfrom without an address,
// which goes straight to the socket layer where read(2) first passes through
// the file layer (measured: about 4% of an echo server's CPU went to
// vfs_read/vfs_write, fdget_pos, rw_verify_area and their security hooks).
func rawRead(fd int, b []byte) (int, error) {
	p := unsafe.Pointer(&zero)
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(p), uintptr(len(b)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// rawWrite is send(2) on a non-blocking socket (sendto without an address),
// for the reason given at rawRead. MSG_NOSIGNAL makes a write to a socket
// the peer has reset fail with EPIPE without raising SIGPIPE, as package net
// arranges by ignoring the signal.
func rawWrite(fd int, b []byte) (int, error) {
	p := unsafe.Pointer(&zero)
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(p), uintptr(len(b)), msgNoSignal, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

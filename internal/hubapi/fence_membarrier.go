//go:build linux && amd64 && !race

package hubapi

import (
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// membarrier(2) commands (linux/membarrier.h).
const (
	membarrierPrivateExpedited         = 1 << 3
	membarrierRegisterPrivateExpedited = 1 << 4
)

// asymmetric reports whether the process could register for
// MEMBARRIER_CMD_PRIVATE_EXPEDITED (Linux 4.14+, when seccomp allows it):
// then the home hub's side of a biased Affinity uses plain stores and a
// revoker pays for the fence with one system call.
var asymmetric = registerMembarrier()

func registerMembarrier() bool {
	_, _, errno := unix.Syscall(unix.SYS_MEMBARRIER, membarrierRegisterPrivateExpedited, 0, 0)
	return errno == 0
}

// asymmetricFence makes every thread of the process run a full memory
// barrier before it returns, or does nothing when the store in setBusy is
// a full fence itself.
func asymmetricFence() {
	if asymmetric {
		unix.Syscall(unix.SYS_MEMBARRIER, membarrierPrivateExpedited, 0, 0)
	}
}

// setBusy stores v at *p: with a plain store, which asymmetricFence orders,
// or, without membarrier, with an atomic one (a full fence on amd64). It is
// inlined: the compiler keeps a store in its place among the section's
// loads and stores and before the atomic load of the state that follows it
// in Enter (Go's SSA threads all of them through one memory chain, and a
// store followed by a load of the memory it produced is not dead), so the
// only reordering left is the processor's, which the fence handles.
func setBusy(p *uint32, v uint32) {
	if asymmetric {
		*p = v
		return
	}
	atomic.StoreUint32(p, v)
}

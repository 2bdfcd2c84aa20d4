//go:build unix && !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

// On the remaining unix systems (AIX, illumos, Solaris, Hurd) poll(2) is the
// only backend: event ports and pollset are not implemented.

package poller

// defaultBackend is the backend Open uses for the name "".
const defaultBackend = Poll

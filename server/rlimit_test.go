//go:build !freebsd && !dragonfly

package server

import "golang.org/x/sys/unix"

// nofileLimit returns an RLIMIT_NOFILE value of n (the field type differs by
// system).
func nofileLimit(n uint64) unix.Rlimit { return unix.Rlimit{Cur: n, Max: n} }

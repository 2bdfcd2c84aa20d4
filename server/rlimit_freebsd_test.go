//go:build freebsd || dragonfly

package server

import "golang.org/x/sys/unix"

// nofileLimit returns an RLIMIT_NOFILE value of n.
func nofileLimit(n uint64) unix.Rlimit { return unix.Rlimit{Cur: int64(n), Max: int64(n)} }

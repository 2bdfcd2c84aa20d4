//go:build netbsd || openbsd

// golang.org/x/sys has no EVFILT_USER for NetBSD or OpenBSD, so the kqueue
// backend wakes itself with the self-pipe of waker_unix.go. evfiltUser 0 tells
// kqueue_bsd.go to do so.

package poller

const (
	evfiltUser  = 0 // no user-event filter
	noteTrigger = 0
)

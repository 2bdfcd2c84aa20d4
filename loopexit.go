package gevent

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geventgo/gevent/internal/goid"
)

// Deadlock detection (ErrLoopExit). A hub's owner that waits while its loop
// has run out of work may still be woken by another goroutine: a plain one
// or another hub's greenlet that has not used the object yet. So the hub
// does not report at once. It marks itself idle, and after loopExitGrace
// looks at every goroutine of the process, as Go's runtime does before it
// reports "all goroutines are asleep": ErrLoopExit comes only when each of
// them is blocked in a way that only another goroutine can end (a channel
// operation, a lock, a condition, a parked coroutine) or is the owner of a
// hub that is idle too. While any goroutine may still run on its own
// (running, runnable, sleeping, in a syscall or an I/O wait, in a select,
// which may have a timer's case), the hub checks again later, each time
// twice as late up to loopExitMaxGap. See docs/design.md, "Deadlock
// detection and cross-hub waits".
const (
	loopExitGrace  = 2 * time.Millisecond  // first check after running out of work
	loopExitGap    = 10 * time.Millisecond // after the first check that found a runner
	loopExitMaxGap = time.Second
)

// idleMark records that a hub's owner waits with nothing to do, and the
// loop's post count then: while a hub keeps its mark and its count, it
// cannot have run anything since, since only a post from another goroutine
// can give it work.
type idleMark struct{ seq uint64 }

var (
	// loopExitMu serializes the checks: a hub that decides to report takes
	// its idle mark off before another hub's check can count it as idle,
	// since the owner that gets ErrLoopExit runs again.
	loopExitMu sync.Mutex
	// idleHubs holds the hubs with an idle mark (keys *Hub).
	idleHubs sync.Map
	// stackHint is the size of the last goroutine dump, to size the next.
	stackHint atomic.Int64
)

// markIdle gives h an idle mark, or returns nil when another goroutine has
// posted work that the loop has not taken yet. Hub-only.
func (h *Hub) markIdle() *idleMark {
	seq, idle := h.loop.IdleSeq()
	if !idle {
		return nil
	}
	m := &idleMark{seq: seq}
	h.idle.Store(m)
	idleHubs.Store(h, struct{}{})
	return m
}

// clearIdle takes h's idle mark off. Hub-only.
func (h *Hub) clearIdle() {
	if h.idle.Load() != nil {
		h.idle.Store(nil)
		idleHubs.Delete(h)
	}
}

// idleSince reports whether h still has the mark m and nothing was posted
// to it since m was set. Any goroutine.
func (h *Hub) idleSince(m *idleMark) bool {
	return h.idle.Load() == m && h.loop.PostSeq() == m.seq
}

// idleHub is a hub that had an idle mark when a check began.
type idleHub struct {
	h *Hub
	m *idleMark
}

// checkLoopExit reports whether nothing can ever wake h's owner, which has
// the idle mark m: every goroutine of the process other than the owners (and
// monitors) of idle hubs is blocked for good, and no idle hub, h included,
// has been given work since it was marked. On true h's mark is off. buf is
// the dump buffer, kept across the checks of one wait. Hub-only.
func (h *Hub) checkLoopExit(m *idleMark, buf *[]byte) bool {
	loopExitMu.Lock()
	defer loopExitMu.Unlock()
	if !h.idleSince(m) {
		return false
	}
	// The idle hubs are taken before the dump: a hub marked idle only
	// later may have been running when the dump was made.
	var idle []idleHub
	skip := map[int64]bool{goid.Get(): true}
	idleHubs.Range(func(k, _ any) bool {
		o := k.(*Hub)
		if om := o.idle.Load(); om != nil {
			idle = append(idle, idleHub{o, om})
			skip[o.owner] = true
			if id := o.monGoid.Load(); id != 0 {
				skip[id] = true
			}
		}
		return true
	})
	if !allBlocked(goroutineDump(buf), skip) {
		return false
	}
	// The dump is one instant; an idle hub that was given work before
	// (its waker may have moved on and blocked since) or after it is not
	// idle at that instant.
	for _, e := range idle {
		if !e.h.idleSince(e.m) {
			return false
		}
	}
	h.clearIdle()
	return true
}

// goroutineDump returns the stacks of all goroutines (runtime.Stack), in
// *buf, grown as needed.
func goroutineDump(buf *[]byte) []byte {
	if len(*buf) == 0 {
		*buf = make([]byte, max(int(stackHint.Load())*5/4, 64<<10))
	}
	for {
		n := runtime.Stack(*buf, true)
		if n < len(*buf) {
			stackHint.Store(int64(n))
			return (*buf)[:n]
		}
		*buf = make([]byte, 2*len(*buf))
	}
}

// allBlocked reports whether every goroutine in dump (runtime.Stack's
// format) except those in skip is blocked in a way that only another
// goroutine can end.
func allBlocked(dump []byte, skip map[int64]bool) bool {
	const head = "goroutine "
	for len(dump) > 0 {
		line := dump
		if i := bytes.IndexByte(dump, '\n'); i >= 0 {
			line, dump = dump[:i], dump[i+1:]
		} else {
			dump = nil
		}
		if !bytes.HasPrefix(line, []byte(head)) {
			continue
		}
		// goroutine 7 [chan receive, 2 minutes, locked to thread]:
		rest := line[len(head):]
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 {
			return false
		}
		id, err := strconv.ParseInt(string(rest[:sp]), 10, 64)
		rest = rest[sp+1:]
		end := bytes.IndexByte(rest, ']')
		if err != nil || len(rest) == 0 || rest[0] != '[' || end < 0 {
			return false // not understood: it may run
		}
		if skip[id] {
			continue
		}
		state := rest[1:end]
		if i := bytes.IndexByte(state, ','); i >= 0 {
			state = state[:i]
		}
		if !blockedState(string(state)) {
			return false
		}
	}
	return true
}

// blockedState reports whether a goroutine in state (runtime.Stack's wait
// reason) can only be resumed by another goroutine. Everything else may run
// on its own: running and runnable goroutines, sleeps, I/O waits, syscalls
// (another hub's poll, which has timers or descriptors; os/signal's relay),
// selects (a timer's case cannot be told from the others) and any state
// not listed. A bare receive or send is taken as waiting for a goroutine,
// though the channel may be a timer's (time.After, Ticker.C): that is the
// one case the check gets wrong, and what Share is for.
func blockedState(state string) bool {
	switch state {
	case "chan receive", "chan send",
		"chan receive (nil chan)", "chan send (nil chan)", "select (no cases)",
		"sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock",
		"sync.Cond.Wait", "sync.WaitGroup.Wait", "semacquire",
		"coroutine": // a parked greenlet or iter.Pull body: resumed by its caller
		return true
	}
	return false
}

// nextLoopExitGap returns the wait before the check after one that found a
// goroutine that may run, the last wait being d.
func nextLoopExitGap(d time.Duration) time.Duration {
	if d < loopExitGap {
		return loopExitGap
	}
	return min(2*d, loopExitMaxGap)
}

// loopExitError is the ErrLoopExit delivered to the owner, naming what it
// waits for when known.
func loopExitError(waitFor any) error {
	what := "this wait"
	switch v := waitFor.(type) {
	case *greenlet:
		what = "the wait for " + v.repr()
	case func() string:
		what = v()
	}
	return fmt.Errorf("%w: nothing left on this hub can wake %s, and every other goroutine is blocked "+
		"(if a timer, or a goroutine that waits on a timer's channel, will use the objects waited on, mark them with their Share method)",
		ErrLoopExit, what)
}

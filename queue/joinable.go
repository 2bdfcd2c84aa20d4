package queue

import (
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/internal/hubapi"
)

// JoinableQueue is a Queue used with TaskDone and Join
// (gevent.queue.JoinableQueue). Since gevent 25.4.1 every gevent Queue is
// joinable and JoinableQueue is another name for Queue; so it is here.
type JoinableQueue[T any] = Queue[T]

// NewJoinable returns an empty FIFO queue that holds at most maxsize items
// (maxsize <= 0: unbounded), for use with TaskDone and Join. It is New.
func NewJoinable[T any](maxsize int) *JoinableQueue[T] { return New[T](maxsize) }

// TaskDone marks one item taken from the queue as processed. Each successful
// put adds an unfinished task; when TaskDone has been called once for each,
// Join returns. It returns ErrTaskDoneTooManyTimes, and changes nothing, when
// no task is unfinished. It never blocks.
func (q *Queue[T]) TaskDone() error {
	_, b := q.enter(hubapi.Current())
	defer q.leave(b)
	if q.unfinished <= 0 {
		return ErrTaskDoneTooManyTimes
	}
	q.unfinished--
	if q.unfinished == 0 {
		switchAllLocked(&q.joiners)
	}
	return nil
}

// Unfinished returns the number of items put and not yet marked done with
// TaskDone (gevent's unfinished_tasks).
func (q *Queue[T]) Unfinished() int {
	_, b := q.enter(hubapi.Current())
	defer q.leave(b)
	return q.unfinished
}

// Join blocks until every item put has been marked done with TaskDone; it
// returns nil at once if nothing is unfinished (for example when nothing was
// ever put). Otherwise it returns the error that ended its wait (the
// caller's Kill or Timeout, gevent.ErrLoopExit), or
// gevent.ErrBlockingSwitchOut when called from a loop callback.
func (q *Queue[T]) Join() error {
	_, err := q.join(true, -1)
	return err
}

// JoinTimeout is Join that waits at most d: it reports true when every task
// is done, and false, nil when d passed first (gevent's join(timeout)). With
// d <= 0 it does not wait: it reports whether every task is done.
func (q *Queue[T]) JoinTimeout(d time.Duration) (bool, error) {
	return q.join(d > 0, d)
}

// join implements Join (d < 0) and JoinTimeout; it waits only if block.
func (q *Queue[T]) join(block bool, d time.Duration) (bool, error) {
	c := hubapi.Current()
	shared, b := q.enter(c)
	if q.unfinished == 0 {
		q.leave(b)
		return true, nil
	}
	if !block {
		q.leave(b)
		return false, nil
	}
	if c.InLoopCallback() {
		q.leave(b)
		return false, gevent.ErrBlockingSwitchOut
	}
	var zero T
	n := enqueueLocked(c, &q.joiners, joiner, zero, shared, hubapi.AtHome(&q.aff, c))
	q.leave(b)
	_, ok, err := q.block(c, &q.joiners, n, false, d)
	return ok, err
}

// Shutdown shuts the queue down gracefully (gevent's and Python 3.13's
// shutdown()): from then on every put returns ErrShutDown, and gets return
// the remaining items and then ErrShutDown. All blocked putters and getters
// are woken with ErrShutDown; blocked joiners wait until the remaining items
// are marked done. Shutdown is how a consumer ranging over All is told to
// stop. It never blocks; calling it again changes nothing.
func (q *Queue[T]) Shutdown() { q.shutdown(false) }

// ShutdownNow is Shutdown that also drops the remaining items (Python's
// shutdown(immediate=True)): each counts as done, which may release Join,
// and gets return ErrShutDown at once. Items that woken getters are about
// to take are still theirs. It never blocks; it may follow Shutdown.
func (q *Queue[T]) ShutdownNow() { q.shutdown(true) }

func (q *Queue[T]) shutdown(now bool) {
	_, b := q.enter(hubapi.Current())
	defer q.leave(b)
	q.shut = true
	if now {
		q.unfinished = max(q.unfinished-q.dropLocked(), 0)
		if q.unfinished == 0 {
			switchAllLocked(&q.joiners)
		}
	}
	throwAllLocked(&q.putters, ErrShutDown)
	throwAllLocked(&q.getters, ErrShutDown)
}

// IsShutDown reports whether Shutdown has been called (gevent's
// is_shutdown).
func (q *Queue[T]) IsShutDown() bool {
	_, b := q.enter(hubapi.Current())
	defer q.leave(b)
	return q.shut
}

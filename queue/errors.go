package queue

import "errors"

// Sentinel errors. The operations return them as they are, so that both
// err == ErrEmpty and errors.Is(err, ErrEmpty) work.
var (
	// ErrEmpty is returned by TryGet and TryPeek on an empty queue (or a
	// Channel without a waiting putter), by GetTimeout and PeekTimeout when
	// their limit passes, and by Get and Peek called from a loop callback
	// when nothing can be handed over (gevent's queue.Empty).
	ErrEmpty = errors.New("queue: empty")

	// ErrFull is returned by TryPut on a full queue (or a Channel without a
	// waiting getter), by PutTimeout when its limit passes, and by Put called
	// from a loop callback when nothing can take the item (gevent's
	// queue.Full).
	ErrFull = errors.New("queue: full")

	// ErrShutDown is returned by every put after Shutdown, by gets once a
	// shut-down queue is empty, and to the callers that were blocked when
	// Shutdown was called (gevent's and Python 3.13's queue.ShutDown).
	ErrShutDown = errors.New("queue: shut down")

	// ErrTaskDoneTooManyTimes is returned by TaskDone when it is called more
	// times than items were put (gevent's ValueError "task_done() called too
	// many times").
	ErrTaskDoneTooManyTimes = errors.New("queue: TaskDone called too many times")
)

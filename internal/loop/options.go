package loop

import (
	"os"
	"time"
)

// Options configure a Loop. The zero value selects the defaults.
type Options struct {
	// Backend names the poller: "epoll", "kqueue" or "poll". Defaults to the
	// GEVENT_BACKEND environment variable, and when that is empty to the best
	// backend of the operating system.
	Backend string

	// SwitchInterval bounds one batch of queued callbacks: after it, the loop
	// polls for I/O and runs timers before continuing the queue (gevent's
	// switch interval). Defaults to 5 ms.
	SwitchInterval time.Duration
}

// DefaultSwitchInterval is gevent's default callback batch time.
const DefaultSwitchInterval = 5 * time.Millisecond

// BackendEnv is the environment variable that selects the poller backend.
const BackendEnv = "GEVENT_BACKEND"

func (o Options) withDefaults() Options {
	if o.Backend == "" {
		o.Backend = os.Getenv(BackendEnv)
	}
	if o.SwitchInterval <= 0 {
		o.SwitchInterval = DefaultSwitchInterval
	}
	return o
}

// Package options holds the settings behind gevent.Option, so that the
// packages of this module that take gevent options (pool) can read them.
package options

import "time"

// Options is what a list of gevent.Option sets. The zero value means no
// option was given.
type Options struct {
	Timeout    time.Duration // valid when HasTimeout; never negative
	HasTimeout bool
	Count      int // <= 0: all
	RaiseError bool
	Err        error // the kill error; nil: gevent.ErrGreenletExit
	NoBlock    bool
}

// Package goid returns the id of the calling goroutine in about a nanosecond.
//
// Go does not expose goroutine identity; gevent needs it to find the current
// greenlet and hub from a call such as gevent.Sleep that has no receiver. On
// amd64 and arm64 the runtime's g pointer is read in assembly and the goid
// field's offset inside runtime.g is found once at start-up by matching it
// against the id printed by runtime.Stack for a few goroutines, so no offset
// is hard-coded for a Go version. Elsewhere, or if calibration fails, Get
// parses runtime.Stack (about a microsecond).
//
// Goroutine ids are never reused, so they are safe map keys for the life of a
// process.
package goid

import (
	"bytes"
	"runtime"
	"strconv"
)

// offset is the byte offset of goid in runtime.g, or -1 when unknown.
var offset = -1

// maxScan bounds the calibration scan of runtime.g, in bytes.
const maxScan = 512

// Get returns the calling goroutine's id.
func Get() int64 {
	if offset >= 0 {
		return loadAt(uintptr(offset))
	}
	return slow()
}

// slow parses "goroutine 123 [" from runtime.Stack.
func slow() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		panic("goid: cannot parse runtime.Stack: " + err.Error())
	}
	return id
}

func init() {
	if !fast {
		return
	}
	off := calibrate()
	// loadAt is what Get uses: check it against the calibration's reading.
	if off >= 0 && loadAt(uintptr(off)) == load(getg()+uintptr(off)) && loadAt(uintptr(off)) == slow() {
		offset = off
	}
}

// calibrate returns the offset at which every probe goroutine's g holds its
// own id, or -1.
func calibrate() int {
	const probes = 4
	type sample struct {
		g  uintptr
		id int64
	}
	samples := make([]sample, probes)
	ready := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	for i := range samples {
		go func() {
			samples[i] = sample{getg(), slow()}
			ready <- struct{}{}
			<-release // keep the goroutine, and so its g, alive
		}()
		<-ready
	}
	for off := 0; off+8 <= maxScan; off += 8 {
		ok := true
		for _, s := range samples {
			if load(s.g+uintptr(off)) != s.id {
				ok = false
				break
			}
		}
		if ok {
			return off
		}
	}
	return -1
}

package httpserver

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"
)

// Limits of a chunked body's framing.
const (
	maxChunkLine    = 4096     // a chunk-size line with its extensions
	maxTrailerBytes = 64 << 10 // the trailer section
)

var errBadChunk = badRequest("malformed chunked body")

// body is a request body: Content-Length or chunked framing over the
// connection's buffered input. Its methods must be called from the
// handler's greenlet.
type body struct {
	w         *response
	remaining int64 // Content-Length: bytes left; chunked: bytes left in this chunk
	chunked   bool
	inChunk   bool // chunked: the CRLF after a chunk's data is due
	eof       bool
	closed    bool
	err       error
	total     int64 // bytes delivered

	expectContinue bool // the client waits for 100 Continue before sending
	continueSent   bool
}

// Read reads the body (io.Reader). The first Read of a request that
// expects 100-continue sends "100 Continue" first, unless the response
// has started. A malformed chunked body fails the read and closes the
// connection after a 400 (if the handler sends nothing else); a body over
// MaxBodyBytes fails with an *http.MaxBytesError.
func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.eof {
		return 0, io.EOF
	}
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	w := b.w
	c := w.c
	if c.hijacked {
		return 0, http.ErrHijacked
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.expectContinue && !b.continueSent {
		b.continueSent = true
		if !w.headerSent {
			c.write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
			if err := c.flush(); err != nil {
				b.err = err
				return 0, err
			}
		}
	}
	if c.headDeadline {
		// Reading the body: the head's deadline gives way to ReadTimeout's.
		c.headDeadline = false
		if t := c.hs.st.readTimeout; t > 0 && !w.start.IsZero() {
			c.rwc.SetReadDeadline(w.start.Add(t))
		} else {
			c.rwc.SetReadDeadline(time.Time{})
			c.readDeadline = false
		}
	}
	var n int
	var err error
	if b.chunked {
		n, err = b.readChunked(p)
	} else {
		n, err = b.readData(p)
		if err == nil && b.remaining == 0 {
			err = io.EOF
		}
	}
	b.total += int64(n)
	switch {
	case err == io.EOF:
		b.eof = true
		if w.c.cur == w {
			c.startWatch()
		}
	case err != nil:
		b.err = err
		w.closeAfter = true
		if errors.Is(err, errBadChunk) || err == io.ErrUnexpectedEOF {
			w.badBody = true
		}
	}
	return n, err
}

// readData reads up to b.remaining bytes of data.
func (b *body) readData(p []byte) (int, error) {
	c := b.w.c
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	var n int
	if c.r < c.w {
		n = copy(p, c.rbuf[c.r:c.w])
		c.r += n
	} else if len(p) >= len(c.rbuf) {
		var err error
		n, err = c.rwc.Read(p)
		if n == 0 {
			return 0, unexpected(err)
		}
	} else {
		if err := c.fill(len(c.rbuf)); err != nil {
			return 0, unexpected(err)
		}
		n = copy(p, c.rbuf[c.r:c.w])
		c.r += n
	}
	b.remaining -= int64(n)
	return n, nil
}

func unexpected(err error) error {
	if err == io.EOF || err == nil {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readChunked reads chunked data (RFC 9112 §7.1), strictly: the size is
// 1*HEXDIG without overflow, every line ends in CRLF, a chunk's data is
// followed by CRLF, and the trailer section is parsed like a head.
func (b *body) readChunked(p []byte) (int, error) {
	c := b.w.c
	for b.remaining == 0 {
		if b.inChunk {
			line, err := c.readLine(2)
			if err != nil {
				return 0, err
			}
			if len(line) != 0 {
				return 0, errBadChunk
			}
			b.inChunk = false
		}
		line, err := c.readLine(maxChunkLine)
		if err != nil {
			return 0, err
		}
		size, ok := parseChunkSize(line)
		if !ok {
			return 0, errBadChunk
		}
		if size == 0 {
			return 0, b.readTrailer()
		}
		if max := c.hs.st.maxBodyBytes; max > 0 && b.total+size > max {
			b.w.tooLarge = true
			return 0, &http.MaxBytesError{Limit: max}
		}
		b.remaining, b.inChunk = size, true
	}
	return b.readData(p)
}

// parseChunkSize parses "1*HEXDIG [ chunk-ext ]".
func parseChunkSize(line []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			goto ext
		}
		if i >= 15 {
			return 0, false // would overflow int64 (and nobody sends 2^60 bytes)
		}
		n = n<<4 | int64(d)
	}
ext:
	if i == 0 {
		return 0, false
	}
	rest := line[i:]
	for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
		rest = rest[1:]
	}
	if len(rest) > 0 && rest[0] != ';' {
		return 0, false
	}
	for _, c := range rest {
		if !isVchar[c] {
			return 0, false
		}
	}
	return n, true
}

// readTrailer reads the trailer section after the last chunk into the
// request's Trailer, and returns io.EOF.
func (b *body) readTrailer() error {
	c := b.w.c
	var section []byte
	for {
		line, err := c.readLine(maxTrailerBytes)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		if len(section)+len(line) > maxTrailerBytes {
			return errBadChunk
		}
		section = append(section, line...)
		section = append(section, '\r', '\n')
	}
	if len(section) == 0 {
		return io.EOF
	}
	req := b.w.req
	if req.Trailer == nil {
		req.Trailer = make(http.Header)
	}
	if err := parseTrailer(string(section)+"\r\n", req.Trailer); err != nil {
		return errBadChunk
	}
	return io.EOF
}

// Close closes the body (io.Closer): later reads fail. What is left unread
// is dealt with when the response is sent.
func (b *body) Close() error {
	b.closed = true
	return nil
}

// discard reads and drops the rest of the body, up to maxDiscardBytes, and
// reports whether its end was reached. It never sends 100 Continue.
func (b *body) discard() bool {
	if b.eof {
		return true
	}
	if b.err != nil || b.expectContinue && !b.continueSent {
		return false
	}
	if !b.chunked && b.remaining > maxDiscardBytes {
		return false
	}
	closed := b.closed
	b.closed = false
	defer func() { b.closed = closed }()
	var tmp [2048]byte
	for total := 0; total <= maxDiscardBytes; {
		n, err := b.Read(tmp[:])
		total += n
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
	return false
}

// readLine returns the next line of input without its CRLF, valid until
// the next read; a line longer than limit, or ending in a bare LF, is
// errBadChunk.
func (c *conn) readLine(limit int) ([]byte, error) {
	scan := 0
	for {
		buf := c.rbuf[c.r:c.w]
		if i := bytes.IndexByte(buf[scan:], '\n'); i >= 0 {
			nl := scan + i
			if nl == 0 || buf[nl-1] != '\r' {
				return nil, errBadChunk
			}
			c.r += nl + 1
			return buf[:nl-1], nil
		}
		scan = len(buf)
		if len(buf) > limit {
			return nil, errBadChunk
		}
		if err := c.fill(max(len(c.rbuf), limit+2)); err != nil {
			return nil, unexpected(err)
		}
	}
}

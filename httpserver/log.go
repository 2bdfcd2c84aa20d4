package httpserver

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// dateValue is the Date field value of one second.
type dateValue struct {
	sec int64
	b   [len(http.TimeFormat)]byte
}

var dateCache atomic.Pointer[dateValue]

// appendDate appends now (Unix ns) in http.TimeFormat, formatted once per
// second.
func appendDate(b []byte, now int64) []byte {
	sec := now / 1e9
	d := dateCache.Load()
	if d == nil || d.sec != sec {
		d = &dateValue{sec: sec}
		time.Unix(sec, 0).UTC().AppendFormat(d.b[:0], http.TimeFormat)
		dateCache.Store(d)
	}
	return append(b, d.b[:]...)
}

// accessLog writes the access log entry of a request, if logging is on.
// status 0 (no response) is logged as 000, as gevent does.
func (c *conn) accessLog(line string, status int, sent int64, start time.Time) {
	s := c.hs.s
	if s.AccessLog == nil && s.AccessLogger == nil {
		return
	}
	now := time.Now()
	var dur time.Duration
	if !start.IsZero() {
		dur = now.Sub(start)
	}
	client := "-"
	if host, _, err := net.SplitHostPort(c.remote); err == nil {
		client = host
	} else if c.remote != "" {
		client = c.remote
	}
	if s.AccessLogger != nil {
		s.AccessLogger.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("client", client), slog.String("request", line), slog.Int("status", status),
			slog.Int64("bytes", sent), slog.Duration("duration", dur))
	}
	if s.AccessLog != nil {
		b := make([]byte, 0, 96+len(line))
		b = append(b, client...)
		b = append(b, " - - ["...)
		b = now.AppendFormat(b, "2006-01-02 15:04:05")
		b = append(b, "] \""...)
		b = append(b, line...)
		b = append(b, "\" "...)
		if status == 0 {
			b = append(b, "000"...)
		} else {
			b = strconv.AppendInt(b, int64(status), 10)
		}
		b = append(b, ' ')
		b = strconv.AppendInt(b, sent, 10)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, dur.Seconds(), 'f', 6, 64)
		b = append(b, '\n')
		s.AccessLog.Write(b)
	}
}

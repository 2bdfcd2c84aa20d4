package main

import "testing"

func TestContentLength(t *testing.T) {
	for _, tt := range []struct {
		head string
		want int
	}{
		{"GET / HTTP/1.1\r\nHost: x\r\n", 0},
		{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n", 5},
		{"POST / HTTP/1.1\r\ncontent-LENGTH:12\r\nHost: x\r\n", 12},
		{"POST / HTTP/1.1\r\nX-Content-Length: 7\r\n", 0},
		{"POST / HTTP/1.1\r\nContent-Length: -3\r\n", 0},
		{"POST / HTTP/1.1\r\nContent-Length: abc\r\n", 0},
	} {
		if got := contentLength([]byte(tt.head)); got != tt.want {
			t.Errorf("contentLength(%q) = %d; want %d", tt.head, got, tt.want)
		}
	}
}

package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDialRequest(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("hi")) })
	mux.HandleFunc("GET /close", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Connection", "close")
		w.Write([]byte("bye"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	req := func(path string) []byte { return []byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n") }

	c, err := dialRequest(addr, req("/ok"))
	if err != nil {
		t.Fatalf("dialRequest(/ok) = %v; want a held connection", err)
	}
	c.Close()
	for _, tt := range []struct{ path, want string }{
		{"/close", "closes the connection"},
		{"/missing", "status 404"},
	} {
		c, err := dialRequest(addr, req(tt.path))
		if err == nil {
			c.Close()
			t.Errorf("dialRequest(%s) = nil error; want one mentioning %q", tt.path, tt.want)
		} else if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("dialRequest(%s) = %v; want an error mentioning %q", tt.path, err, tt.want)
		}
	}
}

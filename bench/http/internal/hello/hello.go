// Package hello is the handler the http.Handler servers of the HTTP comparison
// (bench/http/run.sh) share, so that they serve exactly the same thing.
package hello

import (
	"io"
	"net/http"
	"strconv"
)

// Body is what GET / answers, as text/plain.
const Body = "Hello, World!"

// Handler returns the comparison's handler: a ServeMux whose pattern "GET /{$}" answers GET
// (and HEAD) of / with Body, as examples/hello's does. With echo set it returns instead a
// handler for the h1spec conformance suite (bench/http/h1spec.sh), which wants any method on
// any path answered with 200 and the request body, as text/plain with a Content-Length.
func Handler(echo bool) http.Handler {
	if echo {
		return http.HandlerFunc(echoBody)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, Body)
	})
	return mux
}

// echoBody answers with the request body; a body that cannot be read is a 400. It sets
// Content-Length itself, so that a server that would otherwise chunk the response (nbio does,
// when the handler sets none) is judged by h1spec on its request parsing, not on that.
func echoBody(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bad request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

package httpclient_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/httpclient"
)

// Three greenlets fetch at once; each waits only for its own response, so
// the whole takes about as long as the slowest answer.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		fmt.Fprintf(w, "hello from %s", r.URL.Path)
	}))
	defer srv.Close()

	gevent.Run(func() {
		var jobs []*gevent.Greenlet[string]
		for _, path := range []string{"/a", "/b", "/c"} {
			jobs = append(jobs, gevent.Spawn(func() (string, error) {
				resp, err := httpclient.Get(srv.URL + path)
				if err != nil {
					return "", err
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				return resp.Status + " " + string(body), err
			}))
		}
		gevent.JoinAll(jobs, gevent.Within(5*time.Second))
		for _, job := range jobs {
			fmt.Println(job.Value())
		}
	})
	// Output:
	// 200 OK hello from /a
	// 200 OK hello from /b
	// 200 OK hello from /c
}

// A Timeout of the calling greenlet cancels the request; the server sees
// its context done.
func Example_timeout() {
	cancelled := make(chan bool, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			cancelled <- true
		case <-time.After(10 * time.Second):
			cancelled <- false
		}
	}))
	defer srv.Close()

	gevent.Run(func() {
		err := gevent.WithTimeout(50*time.Millisecond, func() error {
			resp, err := httpclient.Get(srv.URL)
			if err == nil {
				resp.Body.Close()
			}
			return err
		})
		fmt.Println("timed out:", errors.Is(err, gevent.ErrTimeout))
	})
	fmt.Println("server saw the request cancelled:", <-cancelled)
	// Output:
	// timed out: true
	// server saw the request cancelled: true
}

// Command fetch is the seed article's point about monkey patching, with
// HTTP: three greenlets fetch three URLs at once with package httpclient
// (gevent users' requests after monkey.patch_all()), the program waits for
// them with JoinAll(Within(5s)), then prints each URL's status and body in
// the order of the URLs and the total time, which is about the slowest
// answer (300 ms), not the sum (600 ms).
//
// So that it runs offline, the program first starts an HTTP server of its
// own on 127.0.0.1, on plain goroutines as an outside server would be,
// which answers /1, /2 and /3 after 100, 200 and 300 ms.
//
// With -plain it fetches with net/http's own client instead, as an
// unpatched program would: each call then blocks the whole hub, so the
// requests run one after another and the total is the sum. -monitor turns
// on the hub monitor (gevent's max_blocking_time, here 100 ms), which then
// reports each greenlet that blocks the hub, with its stack, on stderr.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/httpclient"
)

// config is what a run varies.
type config struct {
	unit    time.Duration // /n answers after n units
	plain   bool          // fetch with net/http.Client instead of httpclient
	monitor time.Duration // the hub monitor's threshold; 0: off
	stderr  io.Writer     // where the hub reports
}

// paths are the URLs fetched, on the local server.
var paths = []string{"/1", "/2", "/3"}

func main() {
	plain := flag.Bool("plain", false, "fetch with net/http's client, which blocks the hub")
	monitor := flag.Bool("monitor", false, "report greenlets that block the hub for more than 100ms")
	flag.Parse()
	cfg := config{unit: 100 * time.Millisecond, plain: *plain, stderr: os.Stderr}
	if *monitor {
		cfg.monitor = gevent.DefaultMaxBlockingTime
	}
	run(os.Stdout, cfg)
}

func run(w io.Writer, cfg config) {
	base, stop, err := startServer(cfg.unit)
	if err != nil {
		fmt.Fprintln(w, "cannot start the local HTTP server:", err)
		return
	}
	defer stop()
	get := httpclient.Get
	if cfg.plain {
		client := &http.Client{Transport: &http.Transport{}}
		defer client.CloseIdleConnections()
		get = client.Get
	}

	start := time.Now()
	gevent.Run(func() {
		hub := gevent.CurrentHub()
		hub.SetErrorStream(cfg.stderr)
		if cfg.monitor > 0 {
			hub.SetMonitor(cfg.monitor)
		}
		var jobs []*gevent.Greenlet[string]
		for _, path := range paths {
			job := gevent.Spawn(func() (string, error) {
				resp, err := get(base + path)
				if err != nil {
					return "", err
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				return fmt.Sprintf("%s %q", resp.Status, body), err
			})
			job.SetName("fetch " + path)
			jobs = append(jobs, job)
		}
		gevent.JoinAll(jobs, gevent.Within(5*time.Second))
		for i, job := range jobs {
			switch {
			case !job.Ready():
				fmt.Fprintln(w, paths[i], "timed out")
			case job.Err() != nil:
				fmt.Fprintln(w, paths[i], "failed:", job.Err())
			default:
				fmt.Fprintln(w, paths[i], job.Value())
			}
		}
	})
	fmt.Fprintf(w, "total %v (slowest answer %v, sum %v)\n",
		time.Since(start).Round(time.Millisecond), slowest(cfg.unit), sum(cfg.unit))
}

func slowest(unit time.Duration) time.Duration { return time.Duration(len(paths)) * unit }

func sum(unit time.Duration) time.Duration {
	n := len(paths)
	return time.Duration(n*(n+1)/2) * unit
}

// startServer starts the local server on a plain goroutine. /n answers
// "hello from /n" after n units.
func startServer(unit time.Duration) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if err != nil || n < 1 || n > len(paths) {
			http.NotFound(w, r)
			return
		}
		select {
		case <-time.After(time.Duration(n) * unit):
			fmt.Fprintf(w, "hello from %s", r.URL.Path)
		case <-r.Context().Done():
		}
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

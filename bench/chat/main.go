// Command chat is the load generator of bench/chat: N users join one room
// of a running chat server, wait for messages by long polling (the seed's
// POST /poll/{uid}) or over WebSockets (cmd/chat's /ws/{uid}), and one more
// user posts M messages one after another (POST /put/{room}/{uid}). It
// reports the delivered messages per second (N×M over the time from the
// first post to the last delivery), the delivery latency p50/p99 (post
// started → message received), and, with -pid, the server's resident memory
// per idle connected user.
//
// It speaks only the seed's routes (plus /ws/ for -mode ws), so it measures
// cmd/chat and the seed's Flask chat (flask_chat.py) alike; run.sh runs both.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:5000", "chat server")
	users := flag.Int("users", 1000, "receiving users")
	messages := flag.Int("messages", 50, "messages posted")
	mode := flag.String("mode", "poll", "poll (POST /poll/{uid}) or ws (GET /ws/{uid})")
	room := flag.String("room", "topic1", "room")
	pid := flag.Int("pid", 0, "server process, to report its memory per idle user")
	label := flag.String("label", "", "name of the server in the report")
	wait := flag.Duration("wait", 120*time.Second, "how long to wait for the deliveries after the last post")
	warmup := flag.Int("warmup", 5, "messages posted and delivered to every user before the measured ones")
	senders := flag.Int("senders", 1, "users posting the messages, all at once, each one after the other")
	flag.Parse()
	r, err := bench(*base, *users, *messages, *warmup, *senders, *mode, *room, *pid, *wait)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chat bench:", err)
		os.Exit(1)
	}
	r.Label = *label
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
}

// result is one run, printed as one JSON line.
type result struct {
	Label      string  `json:"label"`
	Mode       string  `json:"mode"`
	Users      int     `json:"users"`
	Messages   int     `json:"messages"`
	Delivered  int64   `json:"delivered"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"delivered_per_s"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	CPUus      float64 `json:"server_cpu_us_per_delivery,omitempty"`
	ServerBusy float64 `json:"server_cpu_share,omitempty"`
	LoadCPUus  float64 `json:"load_cpu_us_per_delivery"`
	LoadBusy   float64 `json:"load_cpu_share"`
	Warmup     int     `json:"warmup_messages"`
	Senders    int     `json:"senders"`
	PutP50ms   float64 `json:"put_p50_ms"`
	RSSBaseKiB int64   `json:"rss_base_kib,omitempty"`
	RSSIdleKiB int64   `json:"rss_idle_kib,omitempty"`
	KiBPerUser float64 `json:"kib_per_idle_user,omitempty"`
	PollErrors int64   `json:"poll_errors"`
	Redials    int64   `json:"redials"`
}

// pollErrors and redials count the failed polls and the connections a
// poller opened after its first.
var pollErrors, redials atomic.Int64

type user struct {
	uid string
	hc  *http.Client
}

func bench(base string, n, m, warmup, nSenders int, mode, room string, pid int, wait time.Duration) (*result, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: n + 16, IdleConnTimeout: 5 * time.Minute}
	newUser := func(uid string) *user {
		jar, _ := cookiejar.New(nil)
		return &user{uid: uid, hc: &http.Client{Transport: tr, Jar: jar, Timeout: 60 * time.Second}}
	}
	r := &result{Mode: mode, Users: n, Messages: m, Warmup: max(warmup, 1), Senders: max(nSenders, 1)}
	r.RSSBaseKiB = rss(pid)

	// Names of this run only: a previous run's users may still hold theirs.
	prefix := fmt.Sprintf("r%d", time.Now().UnixNano()%1e9)
	senders := make([]*user, max(nSenders, 1))
	for i := range senders {
		senders[i] = newUser(fmt.Sprintf("%ss%d", prefix, i))
		if err := senders[i].get(base + "/" + room + "/" + senders[i].uid); err != nil {
			return nil, err
		}
	}
	sender := senders[0]
	us := make([]*user, n)
	sem := make(chan struct{}, 32)
	var joinErr atomic.Value
	var wg sync.WaitGroup
	for i := range us {
		us[i] = newUser(fmt.Sprintf("%su%d", prefix, i))
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := us[i].get(base + "/" + room + "/" + us[i].uid); err != nil {
				joinErr.Store(err)
			}
		})
	}
	wg.Wait()
	if err, _ := joinErr.Load().(error); err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}

	// Receivers: each records its latencies. Warm-up messages (id -1)
	// tell that every receiver is in place, and run the whole poll cycle
	// (buffers, heap, queues) before anything is measured.
	warmups := r.Warmup
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lat := make([][]time.Duration, n)
	warm := make(chan struct{}, n)
	done := make(chan struct{}, n)
	var delivered atomic.Int64
	var lastDelivery atomic.Int64
	for i, u := range us {
		warmed := 0
		receive := func(text string) {
			seq, ts, ok := parse(text)
			if !ok {
				return
			}
			if seq < 0 {
				if warmed++; warmed == warmups {
					warm <- struct{}{}
				}
				return
			}
			now := time.Now()
			lat[i] = append(lat[i], now.Sub(time.Unix(0, ts)))
			delivered.Add(1)
			for {
				old := lastDelivery.Load()
				if now.UnixNano() <= old || lastDelivery.CompareAndSwap(old, now.UnixNano()) {
					break
				}
			}
			if len(lat[i]) == m {
				done <- struct{}{}
			}
		}
		switch mode {
		case "poll":
			go u.pollLoop(ctx, base, receive)
		case "ws":
			c, err := u.dial(ctx, base)
			if err != nil {
				return nil, fmt.Errorf("ws %s: %w", u.uid, err)
			}
			defer c.CloseNow()
			go wsLoop(ctx, c, receive)
		default:
			return nil, fmt.Errorf("-mode %q: want poll or ws", mode)
		}
	}
	for range warmups {
		if err := sender.put(base, room, -1); err != nil {
			return nil, err
		}
	}
	warmTimeout := time.After(120 * time.Second)
	for range n {
		select {
		case <-warm:
		case <-warmTimeout:
			return nil, fmt.Errorf("warm-up messages not delivered to every user in 120 s")
		}
	}
	// Let every poller park again before measuring memory.
	time.Sleep(time.Second)
	r.RSSIdleKiB = rss(pid)
	if pid > 0 {
		r.KiBPerUser = float64(r.RSSIdleKiB-r.RSSBaseKiB) / float64(n)
	}

	cpu0, self0 := cpuTicks(pid), cpuTicks(os.Getpid())
	start := time.Now()
	// Each sender posts its share of the M messages one after the other
	// (message i from sender i mod S), all senders at once.
	var putErr atomic.Value
	var puts [][]time.Duration = make([][]time.Duration, len(senders))
	var swg sync.WaitGroup
	for k, s := range senders {
		swg.Go(func() {
			for i := k; i < m; i += len(senders) {
				t := time.Now()
				if err := s.put(base, room, i); err != nil {
					putErr.Store(err)
					return
				}
				puts[k] = append(puts[k], time.Since(t))
			}
		})
	}
	swg.Wait()
	if err, _ := putErr.Load().(error); err != nil {
		return nil, err
	}
	var allPuts []time.Duration
	for _, p := range puts {
		allPuts = append(allPuts, p...)
	}
	slices.Sort(allPuts)
	if len(allPuts) > 0 {
		r.PutP50ms = float64(allPuts[len(allPuts)/2].Microseconds()) / 1000
	}
	timeout := time.After(wait)
	for got := 0; got < n; got++ {
		select {
		case <-done:
		case <-timeout:
			got = n
		}
	}
	cpu1, self1 := cpuTicks(pid), cpuTicks(os.Getpid())
	span := time.Since(start).Seconds()
	cancel()
	r.Delivered = delivered.Load()
	r.PollErrors, r.Redials = pollErrors.Load(), redials.Load()
	if pid > 0 && r.Delivered > 0 {
		r.CPUus = float64(cpu1-cpu0) * 1e6 / clockTicks / float64(r.Delivered)
	}
	if r.Delivered > 0 {
		r.LoadCPUus = float64(self1-self0) * 1e6 / clockTicks / float64(r.Delivered)
	}
	end := time.Unix(0, lastDelivery.Load())
	r.Seconds = end.Sub(start).Seconds()
	if r.Seconds > 0 {
		r.PerSecond = float64(r.Delivered) / r.Seconds
		// The CPU times run to when the last user was counted done, a
		// little after the last delivery: the shares are of that span.
		if pid > 0 {
			r.ServerBusy = float64(cpu1-cpu0) / clockTicks / span
		}
		r.LoadBusy = float64(self1-self0) / clockTicks / span
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) > 0 {
		r.P50ms = float64(all[len(all)/2].Microseconds()) / 1000
		r.P99ms = float64(all[len(all)*99/100].Microseconds()) / 1000
	}
	return r, nil
}

// parse reads "seq:unixnano", after an optional "uid:" (the seed's form).
func parse(text string) (seq int, ts int64, ok bool) {
	parts := strings.Split(text, ":")
	if len(parts) < 2 {
		return 0, 0, false
	}
	parts = parts[len(parts)-2:]
	s, err1 := strconv.Atoi(parts[0])
	t, err2 := strconv.ParseInt(parts[1], 10, 64)
	return s, t, err1 == nil && err2 == nil
}

func (u *user) get(u0 string) error {
	resp, err := u.hc.Get(u0)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", u0, resp.Status)
	}
	return nil
}

func (u *user) put(base, room string, seq int) error {
	msg := fmt.Sprintf("%d:%d", seq, time.Now().UnixNano())
	resp, err := u.hc.PostForm(base+"/put/"+room+"/"+u.uid, url.Values{"message": {msg}})
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("put: %s", resp.Status)
	}
	return nil
}

// pollLoop long-polls until ctx ends: the seed's POST /poll/{uid}, one
// message (a JSON string) or [] per answer. It speaks HTTP/1.1 on one
// keep-alive connection of its own (redialled after an error), as a browser
// would, with the session cookie of the join: a lean client like wrk's,
// so that the load generator, which shares the cores with the server,
// costs little per request. Every server gets the same requests.
func (u *user) pollLoop(ctx context.Context, base string, receive func(string)) {
	b, err := url.Parse(base)
	if err != nil {
		return
	}
	var cookie strings.Builder
	for i, k := range u.hc.Jar.Cookies(b) {
		if i > 0 {
			cookie.WriteString("; ")
		}
		cookie.WriteString(k.Name + "=" + k.Value)
	}
	req := []byte("POST /poll/" + u.uid + " HTTP/1.1\r\nHost: " + b.Host +
		"\r\nCookie: " + cookie.String() + "\r\nContent-Length: 0\r\n\r\n")
	var c net.Conn
	var br *bufio.Reader
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for ctx.Err() == nil {
		if c == nil {
			if br != nil {
				redials.Add(1)
			}
			var d net.Dialer
			if c, err = d.DialContext(ctx, "tcp", b.Host); err != nil {
				c = nil
				if ctx.Err() == nil {
					time.Sleep(100 * time.Millisecond)
				}
				continue
			}
			cc := c
			stop := context.AfterFunc(ctx, func() { cc.Close() })
			defer stop()
			br = bufio.NewReaderSize(c, 4096)
		}
		c.SetDeadline(time.Now().Add(60 * time.Second))
		body, keep, err := roundTrip(c, br, req)
		if err != nil || !keep {
			c.Close()
			c = nil
			if err != nil {
				if ctx.Err() == nil {
					pollErrors.Add(1)
					if os.Getenv("CHAT_BENCH_DEBUG") != "" {
						fmt.Fprintln(os.Stderr, "poll:", err)
					}
					time.Sleep(100 * time.Millisecond)
				}
				continue
			}
		}
		var s string
		if json.Unmarshal(body, &s) == nil {
			receive(s)
		}
	}
}

// roundTrip writes req on c and reads the answer: the body of a 200 (by
// Content-Length, chunked, or up to the end of the connection), and whether
// the connection may carry the next request.
func roundTrip(c net.Conn, br *bufio.Reader, req []byte) (body []byte, keep bool, err error) {
	if _, err := c.Write(req); err != nil {
		return nil, false, err
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return nil, false, err
	}
	status := string(line)
	if !strings.HasPrefix(status, "HTTP/1.") || len(status) < 12 {
		return nil, false, fmt.Errorf("bad status line %q", status)
	}
	keep = status[7] == '1'
	ok := status[9:12] == "200"
	length, chunked := -1, false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return nil, false, err
		}
		h := strings.TrimRight(string(line), "\r\n")
		if h == "" {
			break
		}
		k, v, _ := strings.Cut(h, ":")
		v = strings.TrimSpace(v)
		switch {
		case strings.EqualFold(k, "Content-Length"):
			if length, err = strconv.Atoi(v); err != nil || length < 0 {
				return nil, false, fmt.Errorf("bad Content-Length %q", v)
			}
		case strings.EqualFold(k, "Transfer-Encoding"):
			chunked = strings.EqualFold(v, "chunked")
		case strings.EqualFold(k, "Connection"):
			if strings.EqualFold(v, "close") {
				keep = false
			} else if strings.EqualFold(v, "keep-alive") {
				keep = true
			}
		}
	}
	switch {
	case chunked:
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return nil, false, err
			}
			sz, _, _ := strings.Cut(strings.TrimSpace(string(line)), ";")
			n, err := strconv.ParseInt(sz, 16, 32)
			if err != nil || n < 0 {
				return nil, false, fmt.Errorf("bad chunk size %q", sz)
			}
			if n == 0 {
				for { // trailers
					line, err := br.ReadSlice('\n')
					if err != nil {
						return nil, false, err
					}
					if len(strings.TrimSpace(string(line))) == 0 {
						break
					}
				}
				break
			}
			start := len(body)
			body = append(body, make([]byte, n)...)
			if _, err := io.ReadFull(br, body[start:]); err != nil {
				return nil, false, err
			}
			if _, err := br.Discard(2); err != nil {
				return nil, false, err
			}
		}
	case length >= 0:
		body = make([]byte, length)
		if _, err := io.ReadFull(br, body); err != nil {
			return nil, false, err
		}
	default:
		if body, err = io.ReadAll(br); err != nil {
			return nil, false, err
		}
		keep = false
	}
	if !ok {
		return nil, keep, fmt.Errorf("poll: %s", strings.TrimSpace(status))
	}
	return body, keep, nil
}

func (u *user) dial(ctx context.Context, base string) (*websocket.Conn, error) {
	b, _ := url.Parse(base)
	h := http.Header{}
	for _, k := range u.hc.Jar.Cookies(b) {
		h.Add("Cookie", k.String())
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/"+u.uid,
		&websocket.DialOptions{HTTPHeader: h})
	return c, err
}

func wsLoop(ctx context.Context, c *websocket.Conn, receive func(string)) {
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		var m struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(b, &m) == nil {
			receive(m.Text)
		}
	}
}

// rss returns the resident memory of process pid in KiB (0 without -pid).
func rss(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			k, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return k
		}
	}
	return 0
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times (100 on
// Linux for every architecture Go supports).
const clockTicks = 100

// cpuTicks returns the user plus system CPU time of process pid in clock
// ticks (0 without -pid).
func cpuTicks(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the fields after it start
	// after the last ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}

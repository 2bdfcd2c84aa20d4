//go:build unix

package socket_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
	"golang.org/x/net/dns/dnsmessage"
)

// loopResolver returns a LoopResolver that asks only the given servers and
// reads neither /etc/hosts nor /etc/resolv.conf.
func loopResolver(servers ...*fakeDNS) *socket.LoopResolver {
	r := &socket.LoopResolver{HostsFile: os.DevNull, ConfigFile: os.DevNull, Timeout: time.Second, Attempts: 1}
	for _, s := range servers {
		r.Nameservers = append(r.Nameservers, s.addr)
	}
	return r
}

// lookup runs LookupNetIP in a fresh hub and returns the addresses as
// strings.
func lookup(r *socket.LoopResolver, host string) ([]string, error) {
	var out []string
	var err error
	gevent.Run(func() {
		var addrs []netip.Addr
		addrs, err = r.LookupNetIP(context.Background(), host)
		for _, a := range addrs {
			out = append(out, a.String())
		}
	})
	return out, err
}

func TestLoopResolverConcurrent(t *testing.T) {
	fake := startFakeDNS(t, heldZone)
	useResolver(t, loopResolver(fake))
	checkConcurrentLookups(t, fake)
}

func TestLoopResolverAnswers(t *testing.T) {
	var many []string
	for i := range 40 {
		many = append(many, fmt.Sprintf("192.0.2.%d", i+1))
	}
	fake := startFakeDNS(t, map[string]fakeRecord{
		"both.test.":  {a: []string{"192.0.2.1", "192.0.2.2"}, aaaa: []string{"2001:db8::1"}},
		"v6.test.":    {aaaa: []string{"2001:db8::6"}},
		"alias.test.": {cname: "real.test."},
		"real.test.":  {a: []string{"192.0.2.80"}},
		"big.test.":   {a: many, truncate: true},
		"empty.test.": {},
		"fail.test.":  {rcode: dnsmessage.RCodeServerFailure},
	})
	r := loopResolver(fake)
	for _, tc := range []struct {
		host    string
		want    []string
		wantErr string // "notfound", "fail" or ""
		queries []string
	}{
		{"both.test", []string{"192.0.2.1", "192.0.2.2", "2001:db8::1"}, "", []string{"udp both.test. A", "udp both.test. AAAA"}},
		{"BOTH.test.", []string{"192.0.2.1", "192.0.2.2", "2001:db8::1"}, "", nil},
		{"v6.test", []string{"2001:db8::6"}, "", nil},
		{"alias.test", []string{"192.0.2.80"}, "", nil},
		{"big.test", many, "", []string{"tcp big.test. A", "tcp big.test. AAAA", "udp big.test. A", "udp big.test. AAAA"}},
		{"missing.test", nil, "notfound", nil},
		{"empty.test", nil, "notfound", nil},
		{"fail.test", nil, "fail", nil},
		{"192.0.2.99", []string{"192.0.2.99"}, "", []string{}},
		{"2001:db8::99", []string{"2001:db8::99"}, "", []string{}},
		{"", nil, "notfound", []string{}},
		{strings.Repeat("x", 64) + ".test", nil, "notfound", []string{}},
		{"a..test", nil, "notfound", []string{}},
	} {
		before := len(fake.log())
		got, err := lookup(r, tc.host)
		var de *net.DNSError
		switch tc.wantErr {
		case "":
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("LookupNetIP(%q) = %q, %v; want %q", tc.host, got, err, tc.want)
			}
		case "notfound":
			if !errors.As(err, &de) || !de.IsNotFound {
				t.Errorf("LookupNetIP(%q) = %q, %v; want a not-found *net.DNSError", tc.host, got, err)
			}
		case "fail":
			if !errors.As(err, &de) || de.IsNotFound || !strings.Contains(de.Err, "ServerFailure") {
				t.Errorf("LookupNetIP(%q) = %q, %v; want a server failure", tc.host, got, err)
			}
		}
		if q := fake.log()[before:]; tc.queries != nil {
			slices.Sort(q) // A and AAAA go out together
			if !slices.Equal(q, tc.queries) {
				t.Errorf("LookupNetIP(%q) sent %q; want %q", tc.host, q, tc.queries)
			}
		}
	}
}

func TestLoopResolverHostsFile(t *testing.T) {
	fake := startFakeDNS(t, map[string]fakeRecord{"dns.test.": {a: []string{"192.0.2.53"}}})
	hosts := filepath.Join(t.TempDir(), "hosts")
	write := func(s string) {
		if err := os.WriteFile(hosts, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("192.0.2.10 file.test alias.test\n2001:db8::10 file.test\n")
	r := loopResolver(fake)
	r.HostsFile = hosts
	for _, tc := range []struct {
		host string
		want []string
	}{
		{"file.test", []string{"192.0.2.10", "2001:db8::10"}},
		{"FILE.Test.", []string{"192.0.2.10", "2001:db8::10"}},
		{"alias.test", []string{"192.0.2.10"}},
		{"dns.test", []string{"192.0.2.53"}},
	} {
		if got, err := lookup(r, tc.host); err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("LookupNetIP(%q) = %q, %v; want %q", tc.host, got, err, tc.want)
		}
	}
	if q := fake.log(); len(q) != 2 || !strings.Contains(q[0], "dns.test.") {
		t.Errorf("queries = %q; want only dns.test's two", q)
	}
	write("192.0.2.11 file.test changed.test\n")
	if got, err := lookup(r, "file.test"); err != nil || !slices.Equal(got, []string{"192.0.2.11"}) {
		t.Errorf("LookupNetIP after the hosts file changed = %q, %v; want [192.0.2.11]", got, err)
	}
}

func TestLoopResolverSearch(t *testing.T) {
	fake := startFakeDNS(t, map[string]fakeRecord{
		"www.b.example.": {a: []string{"192.0.2.20"}},
		"x.y.z.":         {a: []string{"192.0.2.21"}},
	})
	conf := filepath.Join(t.TempDir(), "resolv.conf")
	os.WriteFile(conf, []byte("search a.example b.example\noptions ndots:2\n"), 0o644)
	r := loopResolver(fake)
	r.ConfigFile = conf
	for _, tc := range []struct {
		host    string
		want    []string
		queries []string // the A queries, in order
	}{
		{"www", []string{"192.0.2.20"}, []string{"www.a.example.", "www.b.example."}},
		{"x.y.z", []string{"192.0.2.21"}, []string{"x.y.z."}},
		{"www.", nil, []string{"www."}},
	} {
		before := len(fake.log())
		got, _ := lookup(r, tc.host)
		if !slices.Equal(got, tc.want) {
			t.Errorf("LookupNetIP(%q) = %q; want %q", tc.host, got, tc.want)
		}
		var names []string
		for _, q := range fake.log()[before:] {
			if name, ok := strings.CutSuffix(strings.TrimPrefix(q, "udp "), " A"); ok {
				names = append(names, name)
			}
		}
		if !slices.Equal(names, tc.queries) {
			t.Errorf("LookupNetIP(%q) asked for %q; want %q", tc.host, names, tc.queries)
		}
	}
	r.Search = []string{} // disables the config file's list
	if _, err := lookup(r, "www"); err == nil {
		t.Errorf("LookupNetIP(www) without a search list succeeded")
	}
}

func TestLoopResolverTimeoutAndFailover(t *testing.T) {
	zone := map[string]fakeRecord{"dropped.test.": {drop: true}}
	s1, s2 := startFakeDNS(t, zone), startFakeDNS(t, zone)
	r := loopResolver(s1, s2)
	r.Timeout, r.Attempts = 30*time.Millisecond, 2
	start := time.Now()
	_, err := lookup(r, "dropped.test")
	d := time.Since(start)
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsTimeout || !de.Timeout() {
		t.Errorf("LookupNetIP of an unanswered name = %v; want a timeout *net.DNSError", err)
	}
	if d < 110*time.Millisecond || d > 10*time.Second {
		t.Errorf("2 attempts x 2 servers x 30ms took %v; want about 120ms", d)
	}
	for i, s := range []*fakeDNS{s1, s2} {
		if q := s.waitLog(4); len(q) != 4 {
			t.Errorf("server %d got %d queries (%q); want 4 (A and AAAA, twice)", i+1, len(q), q)
		}
	}

	// A server that refuses the port, or fails, gives way to the next one.
	good := startFakeDNS(t, map[string]fakeRecord{"ok.test.": {a: []string{"192.0.2.30"}}})
	failing := startFakeDNS(t, map[string]fakeRecord{"ok.test.": {rcode: dnsmessage.RCodeServerFailure}})
	closed, _ := net.ListenPacket("udp", "127.0.0.1:0")
	closedAddr := closed.LocalAddr().String()
	closed.Close()
	r = loopResolver(failing, good)
	r.Nameservers = append([]string{closedAddr}, r.Nameservers...)
	if got, err := lookup(r, "ok.test"); err != nil || !slices.Equal(got, []string{"192.0.2.30"}) {
		t.Errorf("LookupNetIP with a refusing and a failing server first = %q, %v; want [192.0.2.30]", got, err)
	}

	r = &socket.LoopResolver{Nameservers: []string{"not-an-address"}, HostsFile: os.DevNull, ConfigFile: os.DevNull}
	if _, err := lookup(r, "ok.test"); err == nil {
		t.Errorf("LookupNetIP with a bad nameserver succeeded")
	}
}

func TestLoopResolverInterrupt(t *testing.T) {
	fake := startFakeDNS(t, map[string]fakeRecord{"dropped.test.": {drop: true}})
	r := loopResolver(fake)
	r.Timeout = 10 * time.Second
	gevent.Run(func() {
		ticks, stop := startTicker()
		defer stop()
		to := gevent.NewTimeout(30*time.Millisecond, nil)
		to.Start()
		_, err := r.LookupHost(context.Background(), "dropped.test")
		to.Cancel()
		if !errors.Is(err, to) {
			t.Errorf("LookupHost under a Timeout = %v; want the Timeout", err)
		}

		var killErr error
		g := gevent.Go(func() { _, killErr = r.LookupHost(context.Background(), "dropped.test") })
		waitTicks(ticks, ticks.Load()+3) // g waits for the answer meanwhile
		if g.Ready() {
			t.Fatalf("LookupHost of a dropped name returned before Kill: %v", killErr)
		}
		g.Kill()
		if !errors.Is(killErr, gevent.ErrGreenletExit) {
			t.Errorf("LookupHost after Kill = %v; want ErrGreenletExit", killErr)
		}

		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		if _, err := r.LookupHost(ctx, "dropped.test"); !errors.Is(err, context.Canceled) {
			t.Errorf("LookupHost with a cancelled context = %v; want context.Canceled", err)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err = r.LookupHost(ctx, "dropped.test")
		var de *net.DNSError
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &de) || !de.IsTimeout {
			t.Errorf("LookupHost past the context's deadline = %v; want a timeout wrapping DeadlineExceeded", err)
		}
	})
}

// TestLoopResolverGoroutine looks up from a plain goroutine: its sockets
// belong to the background hub.
func TestLoopResolverGoroutine(t *testing.T) {
	fake := startFakeDNS(t, slowZone)
	r := loopResolver(fake)
	done := make(chan []string)
	for range 3 {
		go func() {
			addrs, _ := r.LookupHost(context.Background(), "slow2.test")
			done <- addrs
		}()
	}
	for range 3 {
		if got := <-done; !slices.Equal(got, []string{"192.0.2.2", "2001:db8::2"}) {
			t.Errorf("LookupHost from a goroutine = %q; want [192.0.2.2 2001:db8::2]", got)
		}
	}
}

// TestLoopResolverDial dials a host name through DefaultResolver.
func TestLoopResolverDial(t *testing.T) {
	fake := startFakeDNS(t, map[string]fakeRecord{"svc.test.": {a: []string{"127.0.0.1"}}})
	useResolver(t, loopResolver(fake))
	gevent.Run(func() {
		ln, err := socket.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		acc := gevent.Spawn(ln.AcceptConn)
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		c, err := socket.Dial("tcp", "svc.test:"+port)
		if err != nil {
			t.Fatalf("Dial(svc.test) = %v", err)
		}
		c.Close()
		if s, err := acc.Get(); err == nil {
			s.Close()
		}
		if _, err := socket.Dial("tcp", "missing.test:"+port); !errors.As(err, new(*net.DNSError)) {
			t.Errorf("Dial(missing.test) = %v; want a *net.DNSError", err)
		}
	})
}

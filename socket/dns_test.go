//go:build unix

package socket_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/socket"
	"golang.org/x/net/dns/dnsmessage"
)

// fakeDNS is a DNS server on 127.0.0.1, UDP and TCP on one port, that
// answers from a fixed zone after each record's delay (and, for records to
// hold, once release is called). It runs on plain
// goroutines with package net, as an outside server would, and answers
// queries concurrently.
type fakeDNS struct {
	addr string
	zone map[string]fakeRecord // by lower-case rooted name; immutable

	mu      sync.Mutex // guards queries
	queries []string   // "udp name. A" per query, in arrival order

	held    chan struct{} // closed by release
	release func()        // lets the answers of held records go; idempotent
}

// fakeRecord is what fakeDNS knows about one name. Unknown names get
// NXDOMAIN.
type fakeRecord struct {
	a, aaaa  []string         // addresses
	cname    string           // answer with this alias and the target's addresses
	delay    time.Duration    // before answering
	hold     bool             // answer only after release
	drop     bool             // never answer
	truncate bool             // answer over UDP with TC set and no records
	rcode    dnsmessage.RCode // answer with this error
}

func startFakeDNS(t *testing.T, zone map[string]fakeRecord) *fakeDNS {
	t.Helper()
	var pc net.PacketConn
	var ln net.Listener
	for range 20 { // find a port free for both UDP and TCP
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		pc = nil
	}
	if pc == nil {
		t.Fatal("no port free for both UDP and TCP")
	}
	s := &fakeDNS{addr: pc.LocalAddr().String(), zone: zone, held: make(chan struct{})}
	s.release = sync.OnceFunc(func() { close(s.held) })
	t.Cleanup(func() { s.release(); pc.Close(); ln.Close() })
	go func() {
		for {
			buf := make([]byte, 1500)
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			// Answer (and log) in arrival order; only the delay and the
			// reply run concurrently.
			if resp, wait, ok := s.answer(buf[:n], "udp"); ok {
				go func() {
					wait()
					pc.WriteTo(resp, from)
				}()
			}
		}
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serveTCP(c)
		}
	}()
	return s
}

func (s *fakeDNS) serveTCP(c net.Conn) {
	defer c.Close()
	for {
		var size [2]byte
		if _, err := io.ReadFull(c, size[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(size[:]))
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		resp, wait, ok := s.answer(msg, "tcp")
		if !ok {
			continue
		}
		wait()
		c.Write(binary.BigEndian.AppendUint16(nil, uint16(len(resp))))
		c.Write(resp)
	}
}

// answer builds the response to query and the wait before it goes out; ok
// is false when it must be dropped.
func (s *fakeDNS) answer(query []byte, transport string) (resp []byte, wait func(), ok bool) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, nil, false
	}
	name := strings.ToLower(q.Name.String())
	s.mu.Lock()
	s.queries = append(s.queries, transport+" "+name+" "+strings.TrimPrefix(q.Type.String(), "Type"))
	s.mu.Unlock()
	rec, known := s.zone[name]
	if rec.drop {
		return nil, nil, false
	}
	rh := dnsmessage.Header{ID: h.ID, Response: true, RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	switch {
	case !known:
		rh.RCode = dnsmessage.RCodeNameError
	case rec.rcode != 0:
		rh.RCode = rec.rcode
	case rec.truncate && transport == "udp":
		rh.Truncated = true
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	if known && rh.RCode == 0 && !rh.Truncated {
		owner := q.Name
		if rec.cname != "" {
			target := dnsmessage.MustNewName(rec.cname)
			b.CNAMEResource(dnsmessage.ResourceHeader{Name: owner, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.CNAMEResource{CNAME: target})
			owner, rec.a, rec.aaaa = target, s.zone[rec.cname].a, s.zone[rec.cname].aaaa
		}
		hdr := dnsmessage.ResourceHeader{Name: owner, Class: dnsmessage.ClassINET, TTL: 60}
		if q.Type == dnsmessage.TypeA {
			for _, a := range rec.a {
				b.AResource(hdr, dnsmessage.AResource{A: netip.MustParseAddr(a).As4()})
			}
		}
		if q.Type == dnsmessage.TypeAAAA {
			for _, a := range rec.aaaa {
				b.AAAAResource(hdr, dnsmessage.AAAAResource{AAAA: netip.MustParseAddr(a).As16()})
			}
		}
	}
	resp, err = b.Finish()
	delay, hold := rec.delay, rec.hold
	wait = func() {
		time.Sleep(delay)
		if hold {
			<-s.held
		}
	}
	return resp, wait, err == nil
}

// log returns the queries received so far.
func (s *fakeDNS) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.queries)
}

// waitLog returns the log once it has n queries, or after 10 s. A query is
// logged when it arrives, before any answer goes out, but a client that
// gave up on a dropped query may return before the last one arrived.
func (s *fakeDNS) waitLog(n int) []string {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if q := s.log(); len(q) >= n {
			return q
		}
	}
	return s.log()
}

// goResolver returns Go's resolver sending every query to s.
func (s *fakeDNS) goResolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, s.addr)
	}}
}

// useResolver sets socket.DefaultResolver for the test.
func useResolver(t *testing.T, r socket.HostResolver) {
	old := socket.DefaultResolver
	socket.DefaultResolver = r
	t.Cleanup(func() { socket.DefaultResolver = old })
}

// slowZone has three names, each answered after 200 ms.
var slowZone = map[string]fakeRecord{
	"slow1.test.":  {a: []string{"192.0.2.1"}, delay: 200 * time.Millisecond},
	"slow2.test.":  {a: []string{"192.0.2.2"}, aaaa: []string{"2001:db8::2"}, delay: 200 * time.Millisecond},
	"slow3.test.":  {a: []string{"192.0.2.3"}, aaaa: []string{"2001:db8::3"}, delay: 200 * time.Millisecond},
	"v6only.test.": {aaaa: []string{"2001:db8::6"}},
}

// heldZone has three names whose answers wait for fakeDNS.release.
var heldZone = map[string]fakeRecord{
	"held1.test.": {a: []string{"192.0.2.1"}, hold: true},
	"held2.test.": {a: []string{"192.0.2.2"}, aaaa: []string{"2001:db8::2"}, hold: true},
	"held3.test.": {a: []string{"192.0.2.3"}, aaaa: []string{"2001:db8::3"}, hold: true},
}

// checkConcurrentLookups runs LookupHost, GetHostByName and GetAddrInfo on
// the three names of heldZone, served by fake, in three greenlets of one
// hub, with DefaultResolver set by the caller. fake holds every answer until
// it has been asked all three names: only look-ups that wait at once, while
// the hub runs other greenlets (this one, which watches fake's log), get
// that far.
func checkConcurrentLookups(t *testing.T, fake *fakeDNS) {
	gevent.Run(func() {
		gs := []*gevent.Greenlet[string]{
			gevent.Spawn(func() (string, error) {
				addrs, err := socket.LookupHost("held1.test")
				return strings.Join(addrs, " "), err
			}),
			gevent.Spawn(func() (string, error) { return socket.GetHostByName("held2.test") }),
			gevent.Spawn(func() (string, error) {
				ais, err := socket.GetAddrInfo("tcp", "held3.test", "80")
				var s []string
				for _, ai := range ais {
					s = append(s, ai.Network+" "+ai.Addr.String())
				}
				return strings.Join(s, ", "), err
			}),
		}
		asked := func() bool {
			log := strings.Join(fake.log(), "\n")
			return strings.Contains(log, "held1.test.") && strings.Contains(log, "held2.test.") &&
				strings.Contains(log, "held3.test.")
		}
		for deadline := time.Now().Add(10 * time.Second); !asked(); gevent.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("after 10s the server was asked %q; want all three names at once", fake.log())
				break
			}
		}
		fake.release()
		done, err := gevent.JoinAll(gs, gevent.Within(10*time.Second))
		if len(done) != 3 || err != nil {
			t.Fatalf("JoinAll = %d done, %v; want 3, nil", len(done), err)
		}
		want := []string{"192.0.2.1", "192.0.2.2", "tcp4 192.0.2.3:80, tcp6 [2001:db8::3]:80"}
		for i, g := range gs {
			if got, err := g.Get(); got != want[i] || err != nil {
				t.Errorf("look-up %d = %q, %v; want %q, nil", i+1, got, err, want[i])
			}
		}
	})
}

func TestResolverConcurrent(t *testing.T) {
	fake := startFakeDNS(t, heldZone)
	useResolver(t, &socket.Resolver{Go: fake.goResolver()})
	checkConcurrentLookups(t, fake)
}

func TestGetHostByName(t *testing.T) {
	fake := startFakeDNS(t, slowZone)
	useResolver(t, &socket.Resolver{Go: fake.goResolver()})
	gevent.Run(func() {
		if got, err := socket.GetHostByName("192.0.2.9"); got != "192.0.2.9" || err != nil {
			t.Errorf("GetHostByName(literal) = %q, %v; want it back", got, err)
		}
		var de *net.DNSError
		if _, err := socket.GetHostByName("v6only.test"); !errors.As(err, &de) || !de.IsNotFound {
			t.Errorf("GetHostByName(IPv6-only name) = %v; want a not-found *net.DNSError", err)
		}
		if _, err := socket.GetHostByName("missing.test"); !errors.As(err, &de) || !de.IsNotFound {
			t.Errorf("GetHostByName(missing name) = %v; want a not-found *net.DNSError", err)
		}
		if len(fake.log()) == 0 {
			t.Errorf("the fake server saw no query; Go's resolver bypassed it")
		}
	})
}

func TestGetAddrInfo(t *testing.T) {
	fake := startFakeDNS(t, map[string]fakeRecord{
		"both.test.": {a: []string{"192.0.2.7"}, aaaa: []string{"2001:db8::7"}},
	})
	useResolver(t, &socket.Resolver{Go: fake.goResolver()})
	gevent.Run(func() {
		for _, tc := range []struct {
			network, host, port string
			want                string // "" means an error
		}{
			{"tcp", "127.0.0.1", "80", "tcp4 127.0.0.1:80"},
			{"udp6", "::1", "53", "udp6 [::1]:53"},
			{"tcp", "127.0.0.1", "http", "tcp4 127.0.0.1:80"},
			{"tcp", "both.test", "443", "tcp4 192.0.2.7:443, tcp6 [2001:db8::7]:443"},
			{"udp4", "both.test", "53", "udp4 192.0.2.7:53"},
			{"tcp6", "both.test", "1", "tcp6 [2001:db8::7]:1"},
			{"tcp4", "::1", "80", ""},
			{"tcp", "127.0.0.1", "99999", ""},
			{"tcp", "127.0.0.1", "no-such-service", ""},
			{"tcp", "missing.test", "80", ""},
			{"sctp", "127.0.0.1", "80", ""},
		} {
			ais, err := socket.GetAddrInfo(tc.network, tc.host, tc.port)
			var got []string
			for _, ai := range ais {
				got = append(got, ai.Network+" "+ai.Addr.String())
			}
			if s := strings.Join(got, ", "); s != tc.want || (tc.want == "") != (err != nil) {
				t.Errorf("GetAddrInfo(%q, %q, %q) = %q, %v; want %q", tc.network, tc.host, tc.port, s, err, tc.want)
			}
		}
		if _, err := socket.GetAddrInfo("sctp", "127.0.0.1", "80"); !errors.Is(err, socket.ErrBadNetwork) {
			t.Errorf("GetAddrInfo(sctp) = %v; want ErrBadNetwork", err)
		}
	})
}

// TestResolverGoroutine looks up from a plain goroutine, where Blocking just
// calls Go's resolver.
func TestResolverGoroutine(t *testing.T) {
	fake := startFakeDNS(t, slowZone)
	r := &socket.Resolver{Go: fake.goResolver()}
	done := make(chan []string)
	go func() {
		addrs, _ := r.LookupHost(context.Background(), "slow2.test")
		done <- addrs
	}()
	got := <-done
	slices.Sort(got)
	if !slices.Equal(got, []string{"192.0.2.2", "2001:db8::2"}) {
		t.Errorf("LookupHost from a goroutine = %q; want [192.0.2.2 2001:db8::2]", got)
	}
}

//go:build unix

package socket

// Fuzz tests of the parsers that read what the resolver does not control:
// resolv.conf and hosts files, and DNS answers from the network. Bad input
// must give a usable result or be rejected, never a panic. CI runs each
// target for a few seconds (ci/test.sh); the seeds below run with the
// ordinary tests.

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func FuzzParseResolvConf(f *testing.F) {
	for _, seed := range []string{
		"",
		"nameserver 192.0.2.1\nnameserver 2001:db8::1\nnameserver [2001:db8::2]:5353\nnameserver bogus\n",
		"search a.example b.example. .\ndomain d.example ; comment\n",
		"options ndots:3 timeout:2 attempts:4 rotate edns0 ndots:-1 timeout:x attempts\n",
		"options ndots:99999999999999999999 timeout:9223372036854775807 attempts:0\n",
		"# comment only\n\t \nnameserver\nsearch\ndomain\noptions\n",
		"nameserver 192.0.2.1:0\r\nnameserver 192.0.2.1:99999\nsearch ..\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := parseResolvConf(data)
		if c.ndots < 0 || c.ndots > maxNdots {
			t.Errorf("ndots = %d; want 0 to %d", c.ndots, maxNdots)
		}
		if c.timeout < time.Second || c.timeout > maxTimeout {
			t.Errorf("timeout = %v; want 1s to %v", c.timeout, maxTimeout)
		}
		if c.attempts < 1 || c.attempts > maxAttempts {
			t.Errorf("attempts = %d; want 1 to %d", c.attempts, maxAttempts)
		}
		for _, s := range c.servers {
			if _, err := netip.ParseAddrPort(s); err != nil {
				t.Errorf("server %q is not an address and port: %v", s, err)
			}
		}
		for _, d := range c.search {
			if !strings.HasSuffix(d, ".") || strings.ContainsAny(d, " \t\r\n") {
				t.Errorf("search domain %q is not one rooted word", d)
			}
		}
		// The names tried for a look-up stay bounded: the name itself and
		// one per search domain.
		st := lookupSettings{search: c.search, ndots: c.ndots}
		if names := st.nameList("host"); len(names) > len(c.search)+1 {
			t.Errorf("nameList(host) = %d names for %d search domains", len(names), len(c.search))
		}
	})
}

func FuzzParseHosts(f *testing.F) {
	for _, seed := range []string{
		"",
		"127.0.0.1 localhost\n::1 localhost ip6-localhost # comment\n",
		"192.0.2.10 File.Test. alias.test\n2001:db8::10 file.test\nbogus name\n192.0.2.1\n",
		"fe80::1%eth0 link.test\n\x00\xff 1.2.3.4\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for name, addrs := range parseHosts(data) {
			if name == "" || strings.ContainsAny(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ \t\r\n#") {
				t.Errorf("key %q is not one lower-case word", name)
			}
			for _, a := range addrs {
				if !a.IsValid() {
					t.Errorf("%q maps to an invalid address", name)
				}
			}
		}
	})
}

// answerSeeds builds DNS responses for the question fuzzName IN A, id
// fuzzID: the shapes exchange meets, from the common to the hostile.
func answerSeeds(f *testing.F) [][]byte {
	type rr struct {
		owner, cname string
		a            []byte // 4 or 16 bytes
	}
	build := func(h dnsmessage.Header, q *dnsmessage.Question, answers []rr) []byte {
		b := dnsmessage.NewBuilder(nil, h)
		b.EnableCompression()
		b.StartQuestions()
		if q != nil {
			b.Question(*q)
		}
		b.StartAnswers()
		for _, r := range answers {
			hdr := dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(r.owner), Class: dnsmessage.ClassINET, TTL: 60}
			switch {
			case r.cname != "":
				b.CNAMEResource(hdr, dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(r.cname)})
			case len(r.a) == 4:
				b.AResource(hdr, dnsmessage.AResource{A: [4]byte(r.a)})
			default:
				b.AAAAResource(hdr, dnsmessage.AAAAResource{AAAA: [16]byte(r.a)})
			}
		}
		msg, err := b.Finish()
		if err != nil {
			f.Fatal(err)
		}
		return msg
	}
	resp := dnsmessage.Header{ID: fuzzID, Response: true}
	q := &dnsmessage.Question{Name: dnsmessage.MustNewName(fuzzName), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}
	v4 := []byte{192, 0, 2, 1}
	v6 := netip.MustParseAddr("2001:db8::1").AsSlice()
	full := build(resp, q, []rr{{owner: fuzzName, a: v4}, {owner: fuzzName, a: v6}})
	return [][]byte{
		full,
		full[:len(full)-3], // a record cut short
		build(resp, q, nil),
		build(resp, q, []rr{{owner: fuzzName, cname: "b.test."}, {owner: "b.test.", cname: "c.test."}, {owner: "c.test.", a: v4}}),
		build(resp, q, []rr{{owner: fuzzName, cname: "b.test."}, {owner: "b.test.", cname: fuzzName}, {owner: "b.test.", a: v4}}), // a loop
		build(resp, q, []rr{{owner: "other.test.", a: v4}}),
		build(dnsmessage.Header{ID: fuzzID}, q, nil), // a query, not a response
		build(resp, nil, nil), // no question
		build(dnsmessage.Header{ID: fuzzID, Response: true, Truncated: true, RCode: dnsmessage.RCodeNameError}, q, nil),
		{},
	}
}

const (
	fuzzName = "a.test."
	fuzzID   = 0x1234
)

func FuzzAnswer(f *testing.F) {
	for _, seed := range answerSeeds(f) {
		f.Add(seed)
	}
	name := dnsmessage.MustNewName(fuzzName)
	types := []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA}
	f.Fuzz(func(t *testing.T, msg []byte) {
		var p dnsmessage.Parser
		i, _, ok := matchAnswer(&p, msg, []uint16{fuzzID, fuzzID + 1}, name, types)
		if !ok {
			return
		}
		if i != 0 && i != 1 {
			t.Fatalf("matchAnswer = query %d of 2", i)
		}
		addrs := answerAddrs(&p, name)
		// Each address comes from a record of at least 4 bytes of data
		// after a header of at least 10.
		if len(addrs) > len(msg)/14 {
			t.Errorf("answerAddrs = %d addresses from a %d-byte message", len(addrs), len(msg))
		}
		for _, a := range addrs {
			if !a.IsValid() {
				t.Errorf("answerAddrs returned an invalid address")
			}
		}
	})
}

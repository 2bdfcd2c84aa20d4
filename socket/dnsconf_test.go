//go:build unix

package socket_test

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/geventgo/gevent/socket"
)

func TestParseResolvConf(t *testing.T) {
	def := socket.ResolvConf{Ndots: 1, Timeout: 5 * time.Second, Attempts: 2}
	for _, tc := range []struct {
		name, data string
		want       socket.ResolvConf
	}{
		{"empty", "", def},
		{"servers", "nameserver 192.0.2.1\nnameserver 2001:db8::1\n# nameserver 192.0.2.9\nnameserver bogus\nnameserver 192.0.2.2:5353\n",
			socket.ResolvConf{Servers: []string{"192.0.2.1:53", "[2001:db8::1]:53", "192.0.2.2:5353"}, Ndots: 1, Timeout: 5 * time.Second, Attempts: 2}},
		{"search", "search a.example b.example.\n",
			socket.ResolvConf{Search: []string{"a.example.", "b.example."}, Ndots: 1, Timeout: 5 * time.Second, Attempts: 2}},
		{"domain then search: the last wins", "domain d.example\nsearch s.example\n",
			socket.ResolvConf{Search: []string{"s.example."}, Ndots: 1, Timeout: 5 * time.Second, Attempts: 2}},
		{"search then domain: the last wins", "search s.example\ndomain d.example ; comment\n",
			socket.ResolvConf{Search: []string{"d.example."}, Ndots: 1, Timeout: 5 * time.Second, Attempts: 2}},
		{"options", "options ndots:3 timeout:2 attempts:4 rotate edns0\n",
			socket.ResolvConf{Ndots: 3, Timeout: 2 * time.Second, Attempts: 4}},
		{"options clamped", "options ndots:99 timeout:0 attempts:50\n",
			socket.ResolvConf{Ndots: 15, Timeout: time.Second, Attempts: 5}},
		{"bad options ignored", "options ndots:-1 timeout:x attempts\n", def},
		{"huge options clamped", "options ndots:9223372036854775807 timeout:9223372036854775807 attempts:9223372036854775807\n",
			socket.ResolvConf{Ndots: 15, Timeout: 30 * time.Second, Attempts: 5}},
	} {
		if got := socket.ParseResolvConf(tc.data); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: ParseResolvConf = %+v; want %+v", tc.name, got, tc.want)
		}
	}
}

func TestParseHosts(t *testing.T) {
	got := socket.ParseHosts(`# comment
127.0.0.1	localhost
192.0.2.1 Host.Example alias # trailing comment
2001:db8::1 host.example.
bogus name.example
192.0.2.2
`)
	a := netip.MustParseAddr
	want := map[string][]netip.Addr{
		"localhost":    {a("127.0.0.1")},
		"host.example": {a("192.0.2.1"), a("2001:db8::1")},
		"alias":        {a("192.0.2.1")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseHosts = %v; want %v", got, want)
	}
}

func TestNameList(t *testing.T) {
	search := []string{"a.example.", "b.example."}
	for _, tc := range []struct {
		host  string
		ndots int
		want  []string
	}{
		{"www", 1, []string{"www.a.example.", "www.b.example.", "www."}},
		{"www.x", 1, []string{"www.x.", "www.x.a.example.", "www.x.b.example."}},
		{"www.x", 2, []string{"www.x.a.example.", "www.x.b.example.", "www.x."}},
		{"rooted.", 1, []string{"rooted."}},
	} {
		if got := socket.NameList(tc.host, search, tc.ndots); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("NameList(%q, ndots %d) = %q; want %q", tc.host, tc.ndots, got, tc.want)
		}
	}
}

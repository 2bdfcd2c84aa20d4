//go:build unix

package socket

import (
	"net/netip"
	"time"
)

// ResolvConf is the parsed content of a resolv.conf file, for tests.
type ResolvConf struct {
	Servers, Search []string
	Ndots           int
	Timeout         time.Duration
	Attempts        int
}

// ParseResolvConf exposes the resolv.conf parser.
func ParseResolvConf(data string) ResolvConf {
	c := parseResolvConf([]byte(data))
	return ResolvConf{c.servers, c.search, c.ndots, c.timeout, c.attempts}
}

// ParseHosts exposes the hosts-file parser.
func ParseHosts(data string) map[string][]netip.Addr { return parseHosts([]byte(data)) }

// NameList returns the names tried for host with the search list (rooted
// suffixes) and ndots.
func NameList(host string, search []string, ndots int) []string {
	st := lookupSettings{search: search, ndots: ndots}
	return st.nameList(host)
}

//go:build unix

package socket

// The two files LoopResolver reads, in the subset of their formats that
// resolvers agree on:
//
//   - resolv.conf(5): "nameserver IP", "search a b …" (or the older
//     "domain a"; the last of the two wins), and "options ndots:N timeout:N
//     attempts:N". Other lines and options are ignored.
//   - hosts(5): "IP name aliases…", with "#" comments; names match without
//     regard to case or a trailing dot.
//
// Both are re-read when their size or modification time changes, checked by
// one stat(2) per look-up.

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Default resolv.conf settings (resolv.conf(5)).
const (
	defaultNdots    = 1
	defaultTimeout  = 5 * time.Second
	defaultAttempts = 2
	maxNdots        = 15
	maxTimeout      = 30 * time.Second
	maxAttempts     = 5
)

// dnsConfig is the content of a resolv.conf file.
type dnsConfig struct {
	servers  []string // "host:port"; empty when the file names none
	search   []string // rooted suffixes such as "example.com."
	ndots    int
	timeout  time.Duration
	attempts int
}

// parseResolvConf parses resolv.conf content; missing settings get their
// defaults.
func parseResolvConf(data []byte) *dnsConfig {
	conf := &dnsConfig{ndots: defaultNdots, timeout: defaultTimeout, attempts: defaultAttempts}
	for line := range bytes.Lines(data) {
		f := strings.Fields(stripComment(string(line), "#;"))
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) > 1 {
				if s, ok := serverAddr(f[1]); ok {
					conf.servers = append(conf.servers, s)
				}
			}
		case "domain":
			if len(f) > 1 {
				conf.search = []string{rooted(f[1])}
			}
		case "search":
			conf.search = nil
			for _, d := range f[1:] {
				if d != "." {
					conf.search = append(conf.search, rooted(d))
				}
			}
		case "options":
			for _, opt := range f[1:] {
				conf.option(opt)
			}
		}
	}
	return conf
}

// option applies one "options" word of resolv.conf.
func (conf *dnsConfig) option(opt string) {
	key, val, ok := strings.Cut(opt, ":")
	if !ok {
		return
	}
	n, err := strconv.Atoi(val)
	if err != nil || n < 0 {
		return
	}
	switch key {
	case "ndots":
		conf.ndots = min(n, maxNdots)
	case "timeout":
		// n is clamped before it is scaled, so that a huge value cannot wrap.
		conf.timeout = max(time.Duration(min(n, int(maxTimeout/time.Second)))*time.Second, time.Second)
	case "attempts":
		conf.attempts = min(max(n, 1), maxAttempts)
	}
}

// stripComment cuts line at the first of the comment characters.
func stripComment(line, chars string) string {
	if i := strings.IndexAny(line, chars); i >= 0 {
		return line[:i]
	}
	return line
}

// rooted returns name with one trailing dot.
func rooted(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// serverAddr turns "IP" or "IP:port" (an IPv6 address with a port in
// brackets) into "host:port", the DNS port being the default.
func serverAddr(s string) (string, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.String(), true
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(ip, 53).String(), true
	}
	return "", false
}

// hostsTable maps a lower-case name without trailing dot to its addresses,
// in file order.
type hostsTable map[string][]netip.Addr

// parseHosts parses hosts-file content.
func parseHosts(data []byte) hostsTable {
	t := hostsTable{}
	for line := range bytes.Lines(data) {
		f := strings.Fields(stripComment(string(line), "#"))
		if len(f) < 2 {
			continue
		}
		ip, err := netip.ParseAddr(f[0])
		if err != nil {
			continue
		}
		for _, name := range f[1:] {
			if key := hostsKey(name); key != "" { // "." names no host
				t[key] = append(t[key], ip)
			}
		}
	}
	return t
}

func hostsKey(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}

// fileCache holds the parsed content of a file and re-reads it when its
// size or modification time changes. A missing file parses as empty.
type fileCache[T any] struct {
	mu     sync.Mutex // guards the fields below
	path   string
	mtime  time.Time
	size   int64
	loaded bool
	val    T
}

// get returns the parsed content of path.
func (c *fileCache[T]) get(path string, parse func([]byte) T) T {
	var mtime time.Time
	size := int64(-1)
	if fi, err := os.Stat(path); err == nil {
		mtime, size = fi.ModTime(), fi.Size()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded && c.path == path && c.mtime.Equal(mtime) && c.size == size {
		return c.val
	}
	data, _ := os.ReadFile(path) // a missing or unreadable file is empty
	c.path, c.mtime, c.size, c.loaded = path, mtime, size, true
	c.val = parse(data)
	return c.val
}

// lookupSettings is a LoopResolver's configuration for one look-up: its
// fields, with the configuration file and the defaults filling the gaps.
type lookupSettings struct {
	servers  []string
	search   []string
	ndots    int
	timeout  time.Duration
	attempts int
	hosts    hostsTable
}

func (r *LoopResolver) settings() (lookupSettings, error) {
	confFile := r.ConfigFile
	if confFile == "" {
		confFile = "/etc/resolv.conf"
	}
	hostsFile := r.HostsFile
	if hostsFile == "" {
		hostsFile = "/etc/hosts"
	}
	conf := r.conf.get(confFile, parseResolvConf)
	st := lookupSettings{
		servers:  conf.servers,
		search:   conf.search,
		ndots:    conf.ndots,
		timeout:  conf.timeout,
		attempts: conf.attempts,
		hosts:    r.hosts.get(hostsFile, parseHosts),
	}
	if len(r.Nameservers) > 0 {
		st.servers = nil
		for _, s := range r.Nameservers {
			addr, ok := serverAddr(s)
			if !ok {
				return st, &net.AddrError{Err: "socket: bad nameserver address", Addr: s}
			}
			st.servers = append(st.servers, addr)
		}
	}
	if len(st.servers) == 0 {
		st.servers = []string{"127.0.0.1:53", "[::1]:53"}
	}
	if r.Search != nil {
		st.search = nil
		for _, d := range r.Search {
			st.search = append(st.search, rooted(d))
		}
	}
	if r.Ndots > 0 {
		st.ndots = r.Ndots
	}
	if r.Timeout > 0 {
		st.timeout = r.Timeout
	}
	if r.Attempts > 0 {
		st.attempts = r.Attempts
	}
	return st, nil
}

// nameList returns the fully qualified names to try for host, in order
// (resolv.conf(5)'s ndots rule): a rooted name is tried alone; a name with at
// least ndots dots is tried as is, then with each search suffix; a shorter
// one with the suffixes first.
func (st *lookupSettings) nameList(host string) []string {
	if strings.HasSuffix(host, ".") {
		return []string{host}
	}
	fq := host + "."
	asIs := strings.Count(host, ".") >= st.ndots
	var names []string
	if asIs {
		names = append(names, fq)
	}
	for _, s := range st.search {
		names = append(names, fq+s)
	}
	if !asIs {
		names = append(names, fq)
	}
	return names
}

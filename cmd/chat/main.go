package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopProfile := startProfile(os.Getenv("CHAT_CPUPROFILE"))
	code := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil)
	stopProfile()
	os.Exit(code)
}

// startProfile writes a CPU profile to path, if not empty, until the
// returned function is called (for benchmarks: $CHAT_CPUPROFILE).
func startProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chat: $CHAT_CPUPROFILE:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// envName is the environment variable of a flag: CHAT_ and the flag's name
// in upper case with - as _.
func envName(flagName string) string {
	return "CHAT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseConfig reads the flags in args, with defaults from the CHAT_*
// variables of getenv; a flag given on the command line wins.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (Config, string, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(out)
	rooms := strings.Join(cfg.Rooms, ",")
	logLevel := "info"
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address `host:port`")
	fs.StringVar(&cfg.Data, "data", cfg.Data, "data `directory`: history.db and cookie.key, created if missing")
	fs.StringVar(&rooms, "rooms", rooms, "comma-separated room `names`")
	fs.DurationVar(&cfg.PollTimeout, "poll-timeout", cfg.PollTimeout, "how long a long poll waits for a message")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "a user that has not polled (nor kept a WebSocket) for this long is dropped and its name freed")
	fs.IntVar(&cfg.QueueSize, "queue", cfg.QueueSize, "messages queued per user; beyond, the user catches up through history")
	fs.IntVar(&cfg.MaxUsers, "max-users", cfg.MaxUsers, "users online at most; joining beyond is 503")
	fs.IntVar(&cfg.Rate, "rate", cfg.Rate, "messages a user may post per rate window; beyond is 429")
	fs.DurationVar(&cfg.RateWindow, "rate-window", cfg.RateWindow, "the window of -rate")
	fs.IntVar(&cfg.MaxMessage, "max-message", cfg.MaxMessage, "largest message in `bytes`; beyond is 413")
	fs.IntVar(&cfg.Backlog, "backlog", cfg.Backlog, "messages shown on joining a room")
	fs.BoolVar(&cfg.WebSocket, "websocket", cfg.WebSocket, "serve the WebSocket endpoint (the page falls back to long polling without it)")
	fs.IntVar(&cfg.Hubs, "hubs", cfg.Hubs, "event loops (hubs) of the HTTP server")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "how long SIGINT/SIGTERM waits for requests in flight")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "log format: text or json")
	fs.StringVar(&logLevel, "log-level", logLevel, "log level: debug, info, warn or error")
	fs.BoolVar(&cfg.AccessLog, "access-log", cfg.AccessLog, "log every request")
	fs.StringVar(&cfg.NATS, "nats", cfg.NATS, "NATS `url` (nats://host:4222): keep rooms, the signing key and names in JetStream, shared by every chat node using it")
	fs.IntVar(&cfg.NATSReplicas, "nats-replicas", cfg.NATSReplicas, "replicas of the JetStream streams and buckets the chat creates")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: chat [flags]\n\n%s\n\nFlags (each also read from the environment variable shown; a flag wins):\n\n", usageIntro)
		fs.VisitAll(func(f *flag.Flag) {
			name, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(out, "  -%s %s\n    \t%s (default %q, $%s)\n", f.Name, name, usage, f.DefValue, envName(f.Name))
		})
	}
	// Defaults from the environment, then the command line over them.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := lookup(getenv, envName(f.Name)); ok {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("$%s=%q: %v", envName(f.Name), v, err)
			}
		}
	})
	if envErr != nil {
		return cfg, "", envErr
	}
	if err := fs.Parse(args); err != nil {
		return cfg, "", err
	}
	if fs.NArg() > 0 {
		return cfg, "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg.Rooms = nil
	for _, r := range strings.Split(rooms, ",") {
		if r = strings.TrimSpace(r); r != "" {
			cfg.Rooms = append(cfg.Rooms, r)
		}
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, "", fmt.Errorf("-log-format %q: want text or json", cfg.LogFormat)
	}
	return cfg, logLevel, cfg.check()
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

const usageIntro = `chat serves the chat room of the gevent article on gevent for Go:
pages at http://ADDR/, a JSON API under /api/, WebSockets at /ws/{uid},
/healthz and /metrics. History is kept in SQLite in the data directory, or
with -nats in NATS JetStream, shared by every chat node using it.`

// run runs the chat until ctx ends (SIGINT, SIGTERM) and returns the exit
// code. ready, if not nil, is called with the listening address.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready func(net.Addr)) int {
	cfg, level, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "chat:", err)
		return 2
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		fmt.Fprintln(stderr, "chat: -log-level:", err)
		return 2
	}
	opts := &slog.HandlerOptions{Level: lvl}
	var logger *slog.Logger
	if cfg.LogFormat == "json" {
		logger = slog.New(slog.NewJSONHandler(stderr, opts))
	} else {
		logger = slog.New(slog.NewTextHandler(stderr, opts))
	}
	if err := serve(ctx, cfg, logger, ready); err != nil {
		logger.Error("chat stopped", "err", err)
		return 1
	}
	return 0
}

// serve opens the data directory and serves until ctx ends, then shuts
// down in order: polls answered and WebSockets closed, requests in flight
// finished, storage flushed.
func serve(ctx context.Context, cfg Config, logger *slog.Logger, ready func(net.Addr)) error {
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	m := newMetrics()
	store, key, err := openStore(cfg, m.observeStorage)
	if err != nil {
		return err
	}
	app, err := newApp(cfg, store, key, logger, m)
	if err != nil {
		store.Close()
		return err
	}
	defer app.Close()
	srv, err := startServer(cfg, app, logger)
	if err != nil {
		store.Close()
		return fmt.Errorf("listen: %w", err)
	}
	logger.Info("chat listening", "url", "http://"+srv.addr.String()+"/", "data", cfg.Data, "nats", cfg.NATS,
		"rooms", strings.Join(cfg.Rooms, ","), "hubs", max(cfg.Hubs, 1))
	if ready != nil {
		ready(srv.addr)
	}
	select {
	case err = <-srv.done:
		store.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	start := time.Now()
	app.Drain(cfg.ShutdownTimeout)
	if err := srv.Shutdown(max(cfg.ShutdownTimeout-time.Since(start), time.Second)); err != nil {
		logger.Warn("shutdown", "err", err)
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("flush storage: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// openStore opens the history: in NATS JetStream with cfg.NATS, else in
// SQLite in the data directory; and the cookie signing key kept with it.
func openStore(cfg Config, observe func(op string, d time.Duration)) (Store, []byte, error) {
	if cfg.NATS != "" {
		return openNATS(cfg.NATS, cfg, observe)
	}
	key, err := loadKey(cfg.Data)
	if err != nil {
		return nil, nil, err
	}
	store, err := openSQLite(cfg.Data, observe)
	if err != nil {
		return nil, nil, err
	}
	return store, key, nil
}

package main

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/geventgo/gevent"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// metrics are the chat's Prometheus metrics, on a registry of their own so
// that several App values (tests) do not collide.
type metrics struct {
	reg        *prometheus.Registry
	users      prometheus.Gauge
	accepted   prometheus.Counter
	delivered  *prometheus.CounterVec // by transport: poll, legacy_poll, websocket
	dropped    prometheus.Counter
	polls      prometheus.Counter
	pollsNow   prometheus.Gauge
	websockets prometheus.Counter
	wsNow      prometheus.Gauge
	rejected   *prometheus.CounterVec // by reason
	storage    *prometheus.HistogramVec
	requests   *prometheus.CounterVec // by code

	// The series counted on every request or delivery, resolved once.
	requestsOK                                  lazyCounter
	deliveredLegacy, deliveredPoll, deliveredWS lazyCounter
}

// lazyCounter is one series of a CounterVec, looked up on its first use (so
// that /metrics shows it only once it has counted) and kept for later ones.
type lazyCounter struct {
	vec   *prometheus.CounterVec
	label string
	once  sync.Once
	c     prometheus.Counter
}

func (l *lazyCounter) get() prometheus.Counter {
	l.once.Do(func() { l.c = l.vec.WithLabelValues(l.label) })
	return l.c
}

// request counts an answer with status code.
func (m *metrics) request(code int) {
	if code == http.StatusOK {
		m.requestsOK.get().Inc()
		return
	}
	m.requests.WithLabelValues(strconv.Itoa(code)).Inc()
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		users: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chat_users_online", Help: "Users holding a name (joined and not dropped).",
		}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_messages_accepted_total", Help: "Messages stored and fanned out.",
		}),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_messages_delivered_total", Help: "Messages handed to clients, by transport.",
		}, []string{"transport"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_messages_dropped_total", Help: "Messages not queued for a user whose queue was full (the user catches up through history).",
		}),
		polls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_polls_total", Help: "Long polls answered.",
		}),
		pollsNow: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chat_polls_waiting", Help: "Long polls waiting now.",
		}),
		websockets: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_websockets_total", Help: "WebSocket connections accepted.",
		}),
		wsNow: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chat_websockets_open", Help: "WebSocket connections open now.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_requests_rejected_total", Help: "Requests refused, by reason.",
		}, []string{"reason"}),
		storage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chat_storage_seconds",
			Help:    "Duration of storage operations (append is one group commit).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"op"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_http_requests_total", Help: "HTTP requests answered, by status code.",
		}, []string{"code"}),
	}
	m.requestsOK = lazyCounter{vec: m.requests, label: "200"}
	m.deliveredLegacy = lazyCounter{vec: m.delivered, label: "legacy_poll"}
	m.deliveredPoll = lazyCounter{vec: m.delivered, label: "poll"}
	m.deliveredWS = lazyCounter{vec: m.delivered, label: "websocket"}
	m.reg.MustRegister(m.users, m.accepted, m.delivered, m.dropped, m.polls, m.pollsNow,
		m.websockets, m.wsNow, m.rejected, m.storage, m.requests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeStorage(op string, d time.Duration) {
	m.storage.WithLabelValues(op).Observe(d.Seconds())
}

// handler serves the metrics. The registry gathers on goroutines and waits
// for them on channels, so it runs through gevent.Blocking: on a greenlet,
// only the scraping request waits.
func (m *metrics) handler() http.Handler {
	g := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		return gevent.Blocking(m.reg.Gather)
	})
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

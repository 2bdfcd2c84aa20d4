#!/usr/bin/python3
"""Core micro-benchmarks of gevent itself, the baseline for the Go benchmarks of the same names.

Run with Debian's interpreter and python3-gevent 22.10.2 (libev-cext, epoll):

    /usr/bin/python3 bench/gevent_core.py [--quick]

Prints one line per benchmark, "Name ns_per_op", and nothing else on stdout.

Each benchmark function takes an iteration count n, runs n iterations, and returns
(elapsed_ns, ops): the time of the measured section only (set-up such as creating a thread
is outside it) and how many operations that time covers. measure() first warms up while
sizing n (growing it tenfold until one run takes a twentieth of the target), then times one
run sized to the target: about 0.7 s, or 0.1 s with --quick.

gevent runs in its default configuration; in particular GEVENT_TRACK_GREENLET_TREE is on, so
every spawn records its parent and captures the spawning stack. The stacks here are shallow,
which keeps that share small (set GEVENT_TRACK_GREENLET_TREE=0 to see it; deep stacks pay more).
"""

import argparse
import gc
import threading
import time

import gevent
import gevent.event
import gevent.local
import gevent.lock
import gevent.queue

now = time.perf_counter_ns


def noop():
    pass


def bench_sleep0_ping_pong(n):
    """Two greenlets alternating gevent.sleep(0); ns per sleep(0)."""

    def player():
        for _ in range(n):
            gevent.sleep(0)

    start = now()
    gevent.joinall([gevent.spawn(player), gevent.spawn(player)])
    return now() - start, 2 * n


def bench_spawn_join(n):
    """Spawn a no-op greenlet and join it; ns per greenlet."""
    spawn = gevent.spawn
    start = now()
    for _ in range(n):
        spawn(noop).join()
    return now() - start, n


def bench_timer_sleep(n):
    """gevent.sleep(1e-6): one timer started, fired and switched back to; ns per sleep."""
    sleep = gevent.sleep
    start = now()
    for _ in range(n):
        sleep(1e-6)
    return now() - start, n


def bench_iwait_1000(n):
    """Spawn 1000 no-op greenlets and consume gevent.iwait over them; ns per greenlet."""
    spawn = gevent.spawn
    start = now()
    for _ in range(n):
        for _ in gevent.iwait([spawn(noop) for _ in range(1000)]):
            pass
    return now() - start, 1000 * n


def handoff(q, n):
    """Runs a producer and a consumer greenlet passing n items through q; ns per item."""

    def producer():
        for i in range(n):
            q.put(i)

    def consumer():
        for _ in range(n):
            q.get()

    start = now()
    gevent.joinall([gevent.spawn(producer), gevent.spawn(consumer)])
    return now() - start, n


def bench_queue_handoff(n):
    """gevent.queue.Queue(1) between a producer and a consumer; ns per item."""
    return handoff(gevent.queue.Queue(1), n)


def bench_channel_handoff(n):
    """gevent.queue.Channel (no buffer) between a producer and a consumer; ns per item."""
    return handoff(gevent.queue.Channel(), n)


def bench_event_ping_pong(n):
    """Two greenlets waking each other through two Events; ns per wake (two per round)."""
    ping, pong = gevent.event.Event(), gevent.event.Event()

    def pinger():
        for _ in range(n):
            ping.set()
            pong.wait()
            pong.clear()

    def ponger():
        for _ in range(n):
            ping.wait()
            ping.clear()
            pong.set()

    start = now()
    gevent.joinall([gevent.spawn(pinger), gevent.spawn(ponger)])
    return now() - start, 2 * n


def bench_semaphore_uncontended(n):
    """gevent.lock.Semaphore acquire+release with no other greenlet; ns per pair."""
    sem = gevent.lock.Semaphore()
    acquire, release = sem.acquire, sem.release
    start = now()
    for _ in range(n):
        acquire()
        release()
    return now() - start, n


def bench_local_get(n):
    """Read of a gevent.local.local attribute set in the same greenlet; ns per read.

    Ten reads per loop iteration keep Python's loop overhead out of most of the figure.
    """
    loc = gevent.local.local()

    def reader():
        loc.x = 1
        start = now()
        for _ in range(n):
            loc.x; loc.x; loc.x; loc.x; loc.x
            loc.x; loc.x; loc.x; loc.x; loc.x
        return now() - start

    return gevent.spawn(reader).get(), 10 * n


def bench_cross_hub_async_result(n):
    """AsyncResult set from another native thread with its own hub; ns per round trip.

    Method: a worker threading.Thread runs its own hub, where a greenlet waits on a request
    AsyncResult. Each round a greenlet of the main hub creates a reply AsyncResult and the next
    request, sets the current request to (reply, next request) and waits on reply; the worker
    greenlet wakes, sets reply and waits on the next request. An AsyncResult is one-shot, so
    both are created anew each round (well under 1% of the figure). A round trip is therefore
    two cross-thread wake-ups, each through gevent's own path: the setter's notify fails to
    switch to the other thread's greenlet and hands the switch to that greenlet's hub with
    loop.run_callback_threadsafe. Both waiters are spawned greenlets: a thread's root greenlet
    has no hub parent, and gevent then finds the hub by scanning gc.get_objects() on every
    wake-up, which costs about 1 ms and grows with the heap. Each side runs under a
    gevent.Timeout(60): its timer keeps that hub's loop alive, so that a wait with no other
    active watcher does not raise LoopExit, and it turns a hang into an error. One untimed round
    before the clock starts covers the thread's start-up. Each request holds the next one, so
    nothing may keep the first request once both sides hold their own reference: the chain
    would grow with n and slow every garbage collection.
    """
    first = [gevent.event.AsyncResult()]

    def serve():
        req = first[0]
        with gevent.Timeout(60):
            while True:
                msg = req.get()
                if msg is None:
                    return
                reply, req = msg
                reply.set()

    def worker():
        gevent.spawn(serve).join()
        gevent.get_hub().destroy(destroy_loop=True)

    def round_trip(req):
        reply, nxt = gevent.event.AsyncResult(), gevent.event.AsyncResult()
        req.set((reply, nxt))
        reply.get()
        return nxt

    def drive():
        with gevent.Timeout(60):
            req = round_trip(first[0])
            first.clear()  # the worker took its reference before setting the first reply
            start = now()
            for _ in range(n):
                req = round_trip(req)
            elapsed = now() - start
        req.set(None)
        return elapsed

    thread = threading.Thread(target=worker)
    thread.start()
    elapsed = gevent.spawn(drive).get()
    thread.join()
    return elapsed, n


BENCHMARKS = [
    ("Sleep0PingPong", bench_sleep0_ping_pong),
    ("SpawnJoin", bench_spawn_join),
    ("TimerSleep", bench_timer_sleep),
    ("IWait1000", bench_iwait_1000),
    ("QueueHandoff", bench_queue_handoff),
    ("ChannelHandoff", bench_channel_handoff),
    ("EventPingPong", bench_event_ping_pong),
    ("SemaphoreUncontended", bench_semaphore_uncontended),
    ("LocalGet", bench_local_get),
    ("CrossHubAsyncResult", bench_cross_hub_async_result),
]


def measure(bench, target_ns):
    """Warms bench up while sizing n, then returns ns per op of one run of about target_ns."""
    n = 1
    elapsed, _ = bench(n)
    while elapsed < target_ns // 20:
        n *= 10
        elapsed, _ = bench(n)
    n = max(1, n * target_ns // max(elapsed, 1))
    gc.collect()
    elapsed, ops = bench(n)
    return elapsed / ops


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true",
                        help="about 0.1 s per benchmark instead of 0.7 s")
    args = parser.parse_args()
    target_ns = 100_000_000 if args.quick else 700_000_000
    for name, bench in BENCHMARKS:
        print(f"{name} {measure(bench, target_ns):.1f}", flush=True)


if __name__ == "__main__":
    main()

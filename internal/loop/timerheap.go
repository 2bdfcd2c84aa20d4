package loop

// timerHeap is a 4-ary min-heap of active timers ordered by deadline, then by
// start order, so timers due at the same instant fire in the order they were
// started. A 4-ary heap halves the depth of a binary one and keeps children on
// one cache line (libev's 4-heap, runtime/time.go's timerHeapN).
type timerHeap struct {
	t   []*Timer
	seq uint64
}

const heapN = 4

func (h *timerHeap) len() int    { return len(h.t) }
func (h *timerHeap) min() *Timer { return h.t[0] }

func less(a, b *Timer) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

func (h *timerHeap) push(t *Timer) {
	h.seq++
	t.seq = h.seq
	t.index = len(h.t)
	h.t = append(h.t, t)
	h.up(t.index)
}

// remove deletes t, which must be in the heap.
func (h *timerHeap) remove(t *Timer) {
	i := t.index
	last := len(h.t) - 1
	if i != last {
		h.t[i] = h.t[last]
		h.t[i].index = i
	}
	h.t[last] = nil
	h.t = h.t[:last]
	if i != last {
		h.down(i)
		h.up(i)
	}
	t.index = -1
}

func (h *timerHeap) up(i int) {
	t := h.t[i]
	for i > 0 {
		p := (i - 1) / heapN
		if !less(t, h.t[p]) {
			break
		}
		h.t[i] = h.t[p]
		h.t[i].index = i
		i = p
	}
	h.t[i] = t
	t.index = i
}

func (h *timerHeap) down(i int) {
	n := len(h.t)
	t := h.t[i]
	for {
		c := i*heapN + 1
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < c+heapN && j < n; j++ {
			if less(h.t[j], h.t[m]) {
				m = j
			}
		}
		if !less(h.t[m], t) {
			break
		}
		h.t[i] = h.t[m]
		h.t[i].index = i
		i = m
	}
	h.t[i] = t
	t.index = i
}

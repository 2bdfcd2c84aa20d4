// Package ilist is an intrusive doubly linked FIFO list: a node type embeds
// Links and is linked without an allocation, and a node can leave from the
// middle in O(1). It is the list under internal/waitlist, the wait list of
// packages event, lock and queue. Lists are not goroutine-safe; their owner
// guards them. The zero List is empty.
package ilist

// Links chains a node of type N. Embed it in N and return it from the
// node's ListLinks method.
type Links[N any] struct {
	prev, next *N
	list       *ends[N] // the list holding the node; nil when unlinked
}

// Listed reports whether the node is in a list.
func (k *Links[N]) Listed() bool { return k.list != nil }

// Node is the constraint on a list's node pointers.
type Node[N any] interface {
	*N
	ListLinks() *Links[N]
}

type ends[N any] struct {
	first, last *N
	n           int
}

// List is a FIFO of nodes of type N.
type List[N any, P Node[N]] struct {
	ends[N]
}

// Len returns the number of nodes.
func (l *List[N, P]) Len() int { return l.n }

// Front returns the first node, or nil.
func (l *List[N, P]) Front() P { return P(l.first) }

// PushBack appends n, which must not be in a list.
func (l *List[N, P]) PushBack(n P) {
	k := n.ListLinks()
	k.list, k.prev, k.next = &l.ends, l.last, nil
	if l.last == nil {
		l.first = (*N)(n)
	} else {
		P(l.last).ListLinks().next = (*N)(n)
	}
	l.last = (*N)(n)
	l.n++
}

// Remove unlinks n if l holds it and reports whether it did.
func (l *List[N, P]) Remove(n P) bool {
	if n.ListLinks().list != &l.ends {
		return false
	}
	Unlink(n)
	return true
}

// PopFront unlinks and returns the first node, or nil.
func (l *List[N, P]) PopFront() P {
	n := P(l.first)
	if n != nil {
		Unlink(n)
	}
	return n
}

// Unlink takes n out of whichever list holds it; it does nothing to a node
// that is in none.
func Unlink[N any, P Node[N]](n P) {
	k := n.ListLinks()
	e := k.list
	if e == nil {
		return
	}
	if k.prev == nil {
		e.first = k.next
	} else {
		P(k.prev).ListLinks().next = k.next
	}
	if k.next == nil {
		e.last = k.prev
	} else {
		P(k.next).ListLinks().prev = k.prev
	}
	k.list, k.prev, k.next = nil, nil, nil
	e.n--
}

// Next returns the node after n in its list, or nil.
func Next[N any, P Node[N]](n P) P { return P(n.ListLinks().next) }

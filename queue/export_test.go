package queue

// Waiting returns the number of blocked getters (with peekers), putters and
// joiners of q.
func Waiting[T any](q *Queue[T]) (getters, putters, joiners int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.getters.Len(), q.putters.Len(), q.joiners.Len()
}

// ChannelWaiting returns the number of blocked getters and putters of c.
func ChannelWaiting[T any](c *Channel[T]) (getters, putters int) {
	g, p, _ := Waiting(&c.q)
	return g, p
}

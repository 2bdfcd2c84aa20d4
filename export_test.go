package gevent

// LinkCount returns how many links of g are registered and have not run,
// so that tests can check that waits remove theirs.
func LinkCount[T any](g *Greenlet[T]) int {
	g.g.mu.Lock()
	defer g.g.mu.Unlock()
	return len(g.g.links)
}

// HubCount returns how many goroutines own a hub now.
func HubCount() int {
	n := 0
	registry.Range(func(_, v any) bool {
		if v.(*ctxEntry).hub != nil {
			n++
		}
		return true
	})
	return n
}

// HasHub reports whether the calling goroutine owns a hub or is a
// greenlet, without creating a hub or pinning one.
func HasHub() bool {
	h, _ := current()
	return h != nil
}

package gevent

// LinkCount returns how many links of g are registered and have not run,
// so that tests can check that waits remove theirs.
func LinkCount[T any](g *Greenlet[T]) int {
	g.g.mu.Lock()
	defer g.g.mu.Unlock()
	return len(g.g.links)
}

package lock

// Parked returns the number of callers and links queued on s.
func Parked(s *Semaphore) int { return int(s.parked.Load()) }

// Waiting returns the number of contexts blocked on l.
func Waiting(l *RLock) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiters.Len()
}

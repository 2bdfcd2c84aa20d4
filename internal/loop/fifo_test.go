package loop

import "testing"

// TestFIFO: values come out in order across wrap-arounds and growth.
func TestFIFO(t *testing.T) {
	var q fifo[int]
	next, want := 0, 0
	for round := range 200 {
		for range round % 37 {
			q.push(next)
			next++
		}
		for range round % 23 {
			if q.len() == 0 {
				break
			}
			if got := q.pop(); got != want {
				t.Fatalf("pop = %d; want %d", got, want)
			}
			want++
		}
		if q.len() != next-want {
			t.Fatalf("len = %d; want %d", q.len(), next-want)
		}
		if n := q.r.Cap(); n&(n-1) != 0 {
			t.Fatalf("buffer length %d is not a power of two", n)
		}
	}
	for q.len() > 0 {
		if got := q.pop(); got != want {
			t.Fatalf("pop = %d; want %d", got, want)
		}
		want++
	}
}

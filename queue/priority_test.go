package queue_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/queue"
)

func TestPriorityOrdered(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]int, 500)
	for i := range random {
		random[i] = r.IntN(100)
	}
	tests := []struct {
		name string
		puts []int
	}{
		{"small", []int{5, 1, 4, 2, 3}},
		{"duplicates", []int{2, 1, 2, 1, 0}},
		{"random with shrinking", random},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := queue.NewPriority[int](0)
			for _, v := range tt.puts {
				q.TryPut(v)
			}
			want := slices.Sorted(slices.Values(tt.puts))
			if v, err := q.TryPeek(); v != want[0] || err != nil {
				t.Errorf("TryPeek = %d, %v; want %d, nil", v, err, want[0])
			}
			got := drain(q)
			if !slices.Equal(got, want) {
				t.Errorf("got %v; want %v", got, want)
			}
		})
	}
}

type job struct {
	prio int
	name string
}

func TestPriorityFunc(t *testing.T) {
	q := queue.NewPriorityFunc(0, func(a, b job) bool { return a.prio > b.prio }) // highest first
	for _, j := range []job{{1, "low"}, {9, "urgent"}, {5, "mid"}} {
		q.TryPut(j)
	}
	var got []string
	for {
		j, err := q.TryGet()
		if err != nil {
			break
		}
		got = append(got, j.name)
	}
	if want := []string{"urgent", "mid", "low"}; !slices.Equal(got, want) {
		t.Errorf("got %v; want %v", got, want)
	}
}

// TestPriorityFuncNilLess: a nil less function makes a FIFO queue instead
// of a panic (constructors do not fail, issue 9).
func TestPriorityFuncNilLess(t *testing.T) {
	q := queue.NewPriorityFunc[int](0, nil)
	for _, v := range []int{3, 1, 2} {
		q.Put(v)
	}
	if got := drain(q); !slices.Equal(got, []int{3, 1, 2}) {
		t.Errorf("items = %v; want [3 1 2] (FIFO)", got)
	}
}

// TestPriorityBlockedGetter: a getter blocked on an empty priority queue
// takes the least item put before it runs, not the first one (gevent
// 22.10.2: ['a'] ['b', 'z']).
func TestPriorityBlockedGetter(t *testing.T) {
	run(t, func() {
		q := queue.NewPriority[string](0)
		var got string
		g := gevent.Go(func() { got, _ = q.Get() })
		gevent.Sleep(0)
		q.Put("z")
		q.Put("b")
		q.Put("a")
		g.Join()
		if got != "a" {
			t.Errorf("blocked Get = %q; want %q", got, "a")
		}
		if rest := drain(q); !slices.Equal(rest, []string{"b", "z"}) {
			t.Errorf("rest = %q; want [b z]", rest)
		}
	})
}

// drain takes every item with TryGet.
func drain[T any](q *queue.Queue[T]) []T {
	var got []T
	for {
		v, err := q.TryGet()
		if err != nil {
			return got
		}
		got = append(got, v)
	}
}

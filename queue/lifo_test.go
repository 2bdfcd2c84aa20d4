package queue_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/geventgo/gevent"
	"github.com/geventgo/gevent/queue"
)

func TestLifoOrder(t *testing.T) {
	tests := []struct {
		name string
		puts []int
		want []int
	}{
		{"three", []int{1, 2, 3}, []int{3, 2, 1}},
		{"one", []int{7}, []int{7}},
		{"many", seq(0, 200), reversed(seq(0, 200))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := queue.NewLifo[int](0)
			for _, v := range tt.puts {
				q.TryPut(v)
			}
			if len(tt.puts) > 0 {
				if v, err := q.TryPeek(); v != tt.puts[len(tt.puts)-1] || err != nil {
					t.Errorf("TryPeek = %d, %v; want %d, nil", v, err, tt.puts[len(tt.puts)-1])
				}
			}
			var got []int
			for {
				v, err := q.TryGet()
				if err != nil {
					break
				}
				got = append(got, v)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
}

// TestLifoBlockedPutter: the item of a blocked putter goes on top when a
// getter makes room.
func TestLifoBlockedPutter(t *testing.T) {
	run(t, func() {
		q := queue.NewLifo[int](2)
		q.Put(1)
		q.Put(2)
		var log []string
		g := gevent.Go(func() {
			err := q.Put(3)
			log = append(log, fmt.Sprintf("put 3 %v", err))
		})
		gevent.Sleep(0)
		if !q.Full() {
			t.Errorf("Full = false; want true")
		}
		for range 3 {
			v, err := q.Get()
			log = append(log, fmt.Sprintf("get %d %v", v, err))
		}
		g.Join()
		want := []string{"get 2 <nil>", "get 3 <nil>", "get 1 <nil>", "put 3 <nil>"}
		if !slices.Equal(log, want) {
			t.Errorf("log = %q; want %q", log, want)
		}
	})
}

// seq returns [from, to).
func seq(from, to int) []int {
	s := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func reversed(s []int) []int {
	s = slices.Clone(s)
	slices.Reverse(s)
	return s
}

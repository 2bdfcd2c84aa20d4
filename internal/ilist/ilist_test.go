package ilist

import (
	"slices"
	"testing"
)

type item struct {
	v int
	k Links[item]
}

func (it *item) ListLinks() *Links[item] { return &it.k }

func values(l *List[item, *item]) []int {
	var got []int
	for n := l.Front(); n != nil; n = n.k.next {
		got = append(got, n.v)
	}
	return got
}

func TestList(t *testing.T) {
	var l, other List[item, *item]
	items := make([]*item, 5)
	for i := range items {
		items[i] = &item{v: i}
		l.PushBack(items[i])
	}
	for _, tc := range []struct {
		name   string
		op     func()
		want   []int
		length int
	}{
		{"pushed", func() {}, []int{0, 1, 2, 3, 4}, 5},
		{"remove middle", func() { l.Remove(items[2]) }, []int{0, 1, 3, 4}, 4},
		{"remove again", func() {
			if l.Remove(items[2]) {
				t.Errorf("Remove of an unlinked node = true; want false")
			}
		}, []int{0, 1, 3, 4}, 4},
		{"remove from another list", func() {
			if other.Remove(items[1]) {
				t.Errorf("other.Remove = true; want false")
			}
		}, []int{0, 1, 3, 4}, 4},
		{"remove last", func() { Unlink(items[4]) }, []int{0, 1, 3}, 3},
		{"pop front", func() {
			if n := l.PopFront(); n != items[0] || n.k.Listed() {
				t.Errorf("PopFront = %v (listed %v); want item 0, unlisted", n.v, n.k.Listed())
			}
		}, []int{1, 3}, 2},
		{"push back again", func() { l.PushBack(items[2]) }, []int{1, 3, 2}, 3},
		{"drain", func() {
			for l.PopFront() != nil {
			}
		}, nil, 0},
	} {
		tc.op()
		if got := values(&l); !slices.Equal(got, tc.want) || l.Len() != tc.length {
			t.Errorf("%s: list = %v, Len %d; want %v, %d", tc.name, got, l.Len(), tc.want, tc.length)
		}
	}
	if l.Front() != nil || l.PopFront() != nil {
		t.Errorf("empty list has a front")
	}
}

package ring

import "testing"

// check compares r's values, front to back, with want, and its array
// length with the rule (zero or a power of two, never less than Len).
func check(t *testing.T, r *Ring[int], want []int) {
	t.Helper()
	if r.Len() != len(want) {
		t.Fatalf("Len = %d; want %d", r.Len(), len(want))
	}
	if c := r.Cap(); c&(c-1) != 0 || c < r.Len() {
		t.Fatalf("Cap = %d with Len %d; want a power of two >= Len", c, r.Len())
	}
	for i, w := range want {
		if got := r.buf[(r.head+i)&(len(r.buf)-1)]; got != w {
			t.Fatalf("value %d = %d; want %d (all: %v)", i, got, w, want)
		}
	}
}

// TestRingFIFO: values come out in order across wrap-arounds, growth and
// shrinking.
func TestRingFIFO(t *testing.T) {
	var r Ring[int]
	var model []int
	next := 0
	for round := range 300 {
		for range (round * 7) % 41 {
			r.PushBack(next)
			model = append(model, next)
			next++
		}
		for range (round * 5) % 43 {
			if r.Len() == 0 {
				break
			}
			if got := r.Front(); got != model[0] {
				t.Fatalf("Front = %d; want %d", got, model[0])
			}
			if got := r.PopFront(); got != model[0] {
				t.Fatalf("PopFront = %d; want %d", got, model[0])
			}
			model = model[1:]
		}
		check(t, &r, model)
	}
	for r.Len() > 0 {
		if got := r.PopFront(); got != model[0] {
			t.Fatalf("PopFront = %d; want %d", got, model[0])
		}
		model = model[1:]
	}
	if c := r.Cap(); c > shrinkAbove {
		t.Errorf("Cap after draining = %d; want <= %d (a burst must not pin its array)", c, shrinkAbove)
	}
}

// TestRingPushFront: PushFront puts a value before the first one, also when
// the array is full or empty, and Clear empties the Ring.
func TestRingPushFront(t *testing.T) {
	var r Ring[int]
	r.PushFront(1)
	check(t, &r, []int{1})
	for i := 2; i <= 8; i++ {
		r.PushBack(i)
	}
	r.PushFront(0) // the array of 8 is full: it grows
	check(t, &r, []int{0, 1, 2, 3, 4, 5, 6, 7, 8})
	if r.PopFront() != 0 || r.PopFront() != 1 {
		t.Fatalf("PopFront after PushFront out of order")
	}
	r.PushFront(-1)
	check(t, &r, []int{-1, 2, 3, 4, 5, 6, 7, 8})
	if n := r.Clear(); n != 8 {
		t.Errorf("Clear = %d; want 8", n)
	}
	check(t, &r, nil)
	if r.Cap() != 0 {
		t.Errorf("Cap after Clear = %d; want 0", r.Cap())
	}
}

// TestRingClearsPopped: a popped slot no longer refers to its value, so the
// Ring does not keep it alive.
func TestRingClearsPopped(t *testing.T) {
	var r Ring[*int]
	v := new(int)
	r.PushBack(v)
	r.PopFront()
	for i, p := range r.buf {
		if p != nil {
			t.Errorf("slot %d still holds a popped pointer", i)
		}
	}
}

package main

import (
	"math"
	"testing"
)

func TestBucketRoundTrip(t *testing.T) {
	// Every value lies in the bucket whose middle is within 1/64 of it, and buckets never
	// decrease as values grow.
	prev := -1
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 4095, 4096, 65_432, 1e6, 1e9, 1e12, math.MaxUint64} {
		b := bucket(v)
		if b < prev {
			t.Errorf("bucket(%d) = %d; want >= %d (the previous value's bucket)", v, b, prev)
		}
		prev = b
		if b >= nBuckets {
			t.Fatalf("bucket(%d) = %d; want < %d", v, b, nBuckets)
		}
		mid := bucketMid(b)
		if rel := math.Abs(mid-float64(v)) / math.Max(float64(v), 1); rel > 1.0/64 {
			t.Errorf("bucketMid(bucket(%d)) = %v; want within 1/64 of the value (off by %.4f)", v, mid, rel)
		}
	}
}

func TestQuantile(t *testing.T) {
	tests := []struct {
		name   string
		values []uint64
		q      float64
		want   float64
	}{
		{"empty", nil, 0.5, 0},
		{"one value", []uint64{42}, 0.99, 42},
		{"median of 1..100", seq(1, 100), 0.5, 50},
		{"p99 of 1..100", seq(1, 100), 0.99, 99},
		{"p99 capped at max", []uint64{1000, 1000, 5000}, 0.99, 5000},
	}
	for _, tt := range tests {
		var h histogram
		for _, v := range tt.values {
			h.record(v)
		}
		got := h.quantile(tt.q)
		if math.Abs(got-tt.want) > tt.want/64 {
			t.Errorf("%s: quantile(%v) = %v; want %v (within 1/64)", tt.name, tt.q, got, tt.want)
		}
	}
}

func TestMerge(t *testing.T) {
	var a, b histogram
	a.record(10)
	b.record(20)
	b.record(3000)
	a.merge(&b)
	if a.count != 3 || a.max != 3000 {
		t.Errorf("after merge: count, max = %d, %d; want 3, 3000", a.count, a.max)
	}
	if got := a.quantile(0.5); got != 20 {
		t.Errorf("median after merge = %v; want 20", got)
	}
}

func seq(lo, hi uint64) []uint64 {
	var s []uint64
	for v := lo; v <= hi; v++ {
		s = append(s, v)
	}
	return s
}

package client

import (
	"testing"
	"time"
)

func TestBackoffDoublesWithinBounds(t *testing.T) {
	c, err := New("http://127.0.0.1:1", "", Options{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		failures int
		ceiling  time.Duration
	}{
		{0, 100 * time.Millisecond},
		{1, 200 * time.Millisecond},
		{3, 800 * time.Millisecond},
		{4, time.Second},
		{60, time.Second},
	}
	for _, tt := range tests {
		for range 200 {
			got := c.backoff(tt.failures)
			if got < tt.ceiling/2 || got > tt.ceiling {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tt.failures, got, tt.ceiling/2, tt.ceiling)
			}
		}
	}
}

func TestEventSeq(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		seq  uint64
		ok   bool
	}{
		{"first", `{"seq":1,"time":"2026-11-22T01:44:10.123Z"}`, 1, true},
		{"large", `{"seq":18446744073709551615,"time":""}`, 1<<64 - 1, true},
		{"zero", `{"seq":0,"time":""}`, 0, false},
		{"overflow", `{"seq":18446744073709551616,"time":""}`, 0, false},
		{"no digits", `{"seq":,"time":""}`, 0, false},
		{"truncated", `{"seq":12`, 0, false},
		{"not a number", `{"seq":"1","time":""}`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq, ok := eventSeq([]byte(tt.raw))
			if seq != tt.seq || ok != tt.ok {
				t.Fatalf("eventSeq(%s) = %d, %v; want %d, %v", tt.raw, seq, ok, tt.seq, tt.ok)
			}
		})
	}
}

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

package main

import (
	"testing"
	"time"
)

func TestCheckResidentID(t *testing.T) {
	today := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, id string
		want     error
	}{
		{"valid, digit check", "110105194912310011", nil},
		{"valid, X check", "11010519491231002X", nil},
		{"valid, born 2000", "440308200001010012", nil},
		{"valid, 1988", "320502198808081239", nil},
		{"wrong check digit", "110105194912310012", errIDCheck},
		{"one digit mistyped", "110105194912310111", errIDCheck},
		{"two digits swapped", "110150194912310011", errIDCheck},
		{"too short", "11010519491231002", errIDLength},
		{"too long", "1101051949123100211", errIDLength},
		{"letter inside", "1101051949123100X1", errIDChars},
		{"lower-case x", "11010519491231002x", errIDChars},
		{"February 30th", "110105194902300021", errIDBirth},
		{"born tomorrow", "110105202611230021", errIDBirth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkResidentID(tt.id, today); got != tt.want {
				t.Fatalf("checkResidentID(%q): got %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestMaskID(t *testing.T) {
	tests := []struct{ id, want string }{
		{"", ""},
		{"1", "1"},
		{"1101", "***1"},
		{"1101051", "****** 1"},
		{"11010519491231002X", "****** ******** ***X"},
	}
	for _, tt := range tests {
		if got := maskID(tt.id); got != tt.want {
			t.Errorf("maskID(%q): got %q, want %q", tt.id, got, tt.want)
		}
	}
}

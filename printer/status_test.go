package printer

import (
	"errors"
	"testing"
)

func TestDecodeStatus(t *testing.T) {
	tests := []struct {
		name  string
		raw   [4]byte
		want  Status
		is    []error
		isNot []error
		code  string
	}{
		{
			name: "ready", raw: [4]byte{0x12, 0x12, 0x12, 0x12},
			isNot: []error{ErrPaperOut, ErrCoverOpen, ErrOffline, ErrFault},
		},
		{
			name: "paper near end", raw: [4]byte{0x12, 0x12, 0x12, 0x1e},
			want:  Status{PaperNearEnd: true},
			isNot: []error{ErrPaperOut, ErrOffline},
		},
		{
			name: "one near-end sensor", raw: [4]byte{0x12, 0x12, 0x12, 0x16},
			want: Status{PaperNearEnd: true},
		},
		{
			name: "paper out", raw: [4]byte{0x1a, 0x32, 0x12, 0x7e},
			want:  Status{Offline: true, PaperEnd: true, PaperNearEnd: true},
			is:    []error{ErrPaperOut},
			isNot: []error{ErrCoverOpen, ErrOffline, ErrFault},
			code:  "paper_out",
		},
		{
			name: "cover open", raw: [4]byte{0x1a, 0x16, 0x12, 0x12},
			want:  Status{Offline: true, CoverOpen: true},
			is:    []error{ErrCoverOpen},
			isNot: []error{ErrPaperOut, ErrOffline},
			code:  "cover_open",
		},
		{
			name: "cover open and paper out", raw: [4]byte{0x1a, 0x36, 0x12, 0x7e},
			want: Status{Offline: true, CoverOpen: true, PaperEnd: true, PaperNearEnd: true},
			is:   []error{ErrCoverOpen, ErrPaperOut},
			code: "cover_open",
		},
		{
			name: "cutter jam", raw: [4]byte{0x1a, 0x52, 0x1a, 0x12},
			want: Status{Offline: true, Error: true, CutterError: true},
			is:   []error{ErrFault},
			code: "fault",
		},
		{
			name: "head too hot", raw: [4]byte{0x1a, 0x52, 0x52, 0x12},
			want: Status{Offline: true, Error: true, AutoRecoverable: true},
			is:   []error{ErrFault},
			code: "fault",
		},
		{
			name: "offline for no given reason", raw: [4]byte{0x1a, 0x1a, 0x12, 0x12},
			want: Status{Offline: true},
			is:   []error{ErrOffline},
			code: "offline",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeStatus(tt.raw)
			if err != nil {
				t.Fatalf("DecodeStatus(% x): %v", tt.raw, err)
			}
			tt.want.Raw = tt.raw
			if got != tt.want {
				t.Errorf("DecodeStatus(% x):\ngot  %+v\nwant %+v", tt.raw, got, tt.want)
			}
			err = got.Err()
			if (err == nil) != (len(tt.is) == 0) {
				t.Errorf("Err(): got %v, want an error matching %v", err, tt.is)
			}
			for _, target := range tt.is {
				if !errors.Is(err, target) {
					t.Errorf("Err() = %v: errors.Is(%v) is false, want true", err, target)
				}
			}
			for _, target := range tt.isNot {
				if errors.Is(err, target) {
					t.Errorf("Err() = %v: errors.Is(%v) is true, want false", err, target)
				}
			}
			if got := Code(err); got != tt.code {
				t.Errorf("Code(%v): got %q, want %q", err, got, tt.code)
			}
			if got.Ready() != (err == nil) {
				t.Errorf("Ready(): got %v with Err() %v", got.Ready(), err)
			}
		})
	}
}

func TestDecodeStatusRejectsOtherBytes(t *testing.T) {
	tests := []struct {
		name string
		raw  [4]byte
	}{
		{"zeros", [4]byte{}},
		{"ASB first byte", [4]byte{0x10, 0x12, 0x12, 0x12}},
		{"bit 7 set", [4]byte{0x12, 0x12, 0x92, 0x12}},
		{"ASCII", [4]byte{'O', 'K', 0x12, 0x12}},
	}
	for _, tt := range tests {
		if _, err := DecodeStatus(tt.raw); err == nil {
			t.Errorf("%s: DecodeStatus(% x): got no error, want one", tt.name, tt.raw)
		}
	}
}

func TestEncodeStatusRoundTrip(t *testing.T) {
	tests := []Status{
		{},
		{PaperNearEnd: true},
		{PaperEnd: true, PaperNearEnd: true, Offline: true},
		{CoverOpen: true, Offline: true},
		{CoverOpen: true, PaperEnd: true, PaperNearEnd: true, Offline: true},
		{Error: true, CutterError: true, Offline: true},
		{Error: true, Unrecoverable: true, Offline: true},
		{Offline: true},
	}
	for _, s := range tests {
		raw := EncodeStatus(s)
		got, err := DecodeStatus(raw)
		if err != nil {
			t.Fatalf("%+v: DecodeStatus(% x): %v", s, raw, err)
		}
		s.Raw = raw
		if got != s {
			t.Errorf("round trip of % x:\ngot  %+v\nwant %+v", raw, got, s)
		}
	}
}

func TestStatusString(t *testing.T) {
	tests := []struct {
		s    Status
		want string
	}{
		{Status{}, "online, ready"},
		{Status{PaperNearEnd: true}, "online, paper near end, ready"},
		{Status{Offline: true, CoverOpen: true}, "offline, cover open"},
		{Status{Offline: true, PaperEnd: true, PaperNearEnd: true}, "offline, paper end"},
		{Status{Offline: true, Error: true, CutterError: true}, "offline, cutter error"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestCode(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{ErrNoReply, "no_reply"},
		{ErrLink, "link"},
		{errors.Join(ErrNotSent, ErrNoReply), "no_reply"},
		{errors.New("other"), "other"},
	}
	for _, tt := range tests {
		if got := Code(tt.err); got != tt.want {
			t.Errorf("Code(%v): got %q, want %q", tt.err, got, tt.want)
		}
	}
}

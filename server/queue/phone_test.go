package queue

import (
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
	}{
		{"plain", "13800138000", "13800138000"},
		{"spaced", "138 0013 8000", "13800138000"},
		{"hyphens", "138-0013-8000", "13800138000"},
		{"plus 86", "+86 138 0013 8000", "13800138000"},
		{"0086", "0086 19912345678", "19912345678"},
		{"86 without plus", "8615012345678", "15012345678"},
		{"too short", "1380013800", ""},
		{"too long", "138001380000", ""},
		{"landline", "02012345678", ""},
		{"second digit 2", "12345678901", ""},
		{"letters", "1380013800a", ""},
		{"shell", "13800138000;rm -rf /", ""},
		{"newline", "13800138000\n", ""},
		{"plus inside", "138+00138000", ""},
		{"full-width digits", "１３８００１３８０００", ""},
		{"empty", "", ""},
		{"huge", strings.Repeat("1", 1<<20), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := NormalizePhone(c.in)
			if c.want == "" {
				if err == nil || ErrorCode(err) != EINVALID {
					t.Fatalf("NormalizePhone(%.30q) = %q, %v; want EINVALID", c.in, got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
}

func FuzzNormalizePhone(f *testing.F) {
	f.Add("+86 138-0013-8000")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := NormalizePhone(in)
		if err != nil {
			return
		}
		if len(got) != 11 || strings.Trim(got, "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q) = %q", in, got)
		}
	})
}

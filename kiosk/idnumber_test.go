package main

import (
	"strings"
	"testing"

	"hallq/server/queue"
)

func TestCheckDocument(t *testing.T) {
	tests := []struct {
		name, kind, id string
		ok             bool
		wantZH         string // part of the refusal
	}{
		{"resident, digit check", queue.DocResident, "110105194912310011", true, ""},
		{"resident, X check", queue.DocResident, "11010519491231002X", true, ""},
		{"resident, wrong check digit", queue.DocResident, "110105194912310012", false, "校验位"},
		{"resident, too short", queue.DocResident, "11010519491231002", false, "18位"},
		{"passport", queue.DocPassport, "E12345678", true, ""},
		{"Hong Kong permit", queue.DocHKMacao, "H12345678", true, ""},
		{"passport number as resident ID", queue.DocResident, "E12345678", false, "护照或通行证"},
		{"resident ID as passport", queue.DocPassport, "110105194912310011", false, "这是居民身份证号码"},
		{"passport too short", queue.DocPassport, "E123", false, "5至20位"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			why, ok := checkDocument(tt.kind, tt.id)
			if ok != tt.ok {
				t.Fatalf("checkDocument(%s, %q): ok %v (%q), want %v", tt.kind, tt.id, ok, why, tt.ok)
			}
			if !ok && (why.en == "" || !strings.Contains(why.zh, tt.wantZH)) {
				t.Errorf("refusal %q / %q, want Chinese and English saying %q", why.zh, why.en, tt.wantZH)
			}
		})
	}
}

func TestMaskID(t *testing.T) {
	tests := []struct{ kind, id, want string }{
		{queue.DocResident, "", ""},
		{queue.DocResident, "1", "1"},
		{queue.DocResident, "1101", "***1"},
		{queue.DocResident, "1101051", "****** 1"},
		{queue.DocResident, "11010519491231002X", "****** ******** ***X"},
		{queue.DocPassport, "E12345678", "**** **** 8"},
	}
	for _, tt := range tests {
		if got := maskID(tt.kind, tt.id); got != tt.want {
			t.Errorf("maskID(%s, %q): got %q, want %q", tt.kind, tt.id, got, tt.want)
		}
	}
}

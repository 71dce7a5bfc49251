package queue

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckDeclared(t *testing.T) {
	const id = "resident:11010519491231002X"
	tests := []struct {
		name, kind, in, want string
		wantZH               string // part of the refusal's Chinese message
	}{
		{"resident ID", DocResident, "11010519491231002x", id, ""},
		{"15-digit resident ID", DocResident, "110105491231002", id, ""},
		{"passport", DocPassport, "E 1234 5678", "document:E12345678", ""},
		{"HK permit", DocHKMacao, "H12345678", "document:H12345678", ""},
		{"HK residence permit", DocHKMacao, "810000199408230021", "resident:810000199408230021", ""},
		{"new foreign permanent residence card", DocForeign, "933000199001010035", "resident:933000199001010035", ""},
		{"old foreign permanent residence card", DocForeign, "USA110079060111", "document:USA110079060111", ""},
		{"Taiwan permit", DocTaiwan, "12345678", "document:12345678", ""},
		{"passport number as resident ID", DocResident, "E12345678", "", "护照或通行证"},
		{"letters inside a resident ID", DocResident, "1101051949123A002X", "", "只有数字"},
		{"resident ID as passport", DocPassport, "11010519491231002X", "", "这是居民身份证号码"},
		{"15-digit resident ID as passport", DocPassport, "110105491231002", "", "这是居民身份证号码"},
		{"mistyped resident ID as passport", DocPassport, "110105194912310021", "", "这是居民身份证号码"},
		{"too short for a resident ID", DocResident, "11010519491231002", "", "18位"},
		{"bad check digit", DocResident, "110105194912310021", "", "校验位"},
		{"symbols in a passport", DocPassport, "E12#45678", "", "字母和数字"},
		{"unknown kind", "library_card", "12345", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckDeclared(tt.kind, tt.in)
			if got != tt.want || (err == nil) != (tt.want != "") {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
			if err == nil {
				if norm, _ := NormalizeDocument(tt.kind, tt.in); norm != got {
					t.Errorf("identity %q differs from NormalizeDocument's %q", got, norm)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || e.Message == "" {
				t.Fatalf("error %#v is not an EINVALID with a message", err)
			}
			if !strings.Contains(e.MessageZH, tt.wantZH) {
				t.Errorf("Chinese message %q, want it to say %q", e.MessageZH, tt.wantZH)
			}
			if strings.Contains(e.Message+e.MessageZH, strings.ReplaceAll(tt.in, " ", "")) {
				t.Errorf("error echoes the number: %v", err)
			}
		})
	}
}

package config

import (
	"strings"
	"testing"
)

// TestSupervision reads the supervision office's contacts of the hall section
// and refuses a phone or e-mail that is not one, naming the field.
func TestSupervision(t *testing.T) {
	doc := edit(t, validDoc(t), "[hall]\n", "[hall]\n"+`supervision_office = "监督科"
supervision_address = "人民路 1 号 302 室"
supervision_address_en = "Room 302, 1 Renmin Road"
supervision_phone = "0571-12345678"
supervision_email = "jiandu@example.gov.cn"
`)
	sv := mustParse(t, doc).Info.Supervision
	want := Supervision{Office: Text{"监督科", "监督科"}, Address: Text{"人民路 1 号 302 室", "Room 302, 1 Renmin Road"},
		Phone: "0571-12345678", Email: "jiandu@example.gov.cn"}
	if sv != want || !sv.Any() {
		t.Errorf("got %+v, want %+v", sv, want)
	}
	if (Supervision{}).Any() {
		t.Error("no contacts: Any is true")
	}
	for _, r := range []struct{ name, line, field string }{
		{"phone with letters", `supervision_phone = "call us"`, "hall.supervision_phone"},
		{"e-mail without @", `supervision_email = "jiandu.example.gov.cn"`, "hall.supervision_email"},
		{"e-mail with markup", `supervision_email = "<a@b.cn>"`, "hall.supervision_email"},
		{"address over a line", `supervision_address = "` + strings.Repeat("长", 121) + `"`, "hall.supervision_address"},
	} {
		t.Run(r.name, func(t *testing.T) {
			_, err := Parse([]byte(edit(t, validDoc(t), "[hall]\n", "[hall]\n"+r.line+"\n")), "hallq.toml")
			if err == nil || !strings.Contains(err.Error(), r.field) {
				t.Errorf("got %v, want an error naming %s", err, r.field)
			}
		})
	}
}

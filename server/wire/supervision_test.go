package wire_test

import (
	"testing"

	"hallq/server/wire"
)

func TestSupervisionLine(t *testing.T) {
	for _, r := range []struct {
		name string
		s    *wire.Supervision
		want string
	}{
		{"none", nil, ""},
		{"phone first", &wire.Supervision{Phone: "0571-12345678", Email: "a@b.cn"}, "监督电话 Tel. 0571-12345678"},
		{"e-mail", &wire.Supervision{Email: "jiandu@example.gov.cn"}, "监督邮箱 jiandu@example.gov.cn"},
		{"address only", &wire.Supervision{Address: "人民路 1 号"}, ""},
	} {
		if got := r.s.Line(); got != r.want {
			t.Errorf("%s: got %q, want %q", r.name, got, r.want)
		}
	}
}

package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNotify(t *testing.T) {
	def := Notify{Timeout: 5 * time.Second, Attempts: 4, CloseAhead: 3}
	tests := []struct {
		name    string
		section string
		want    Notify
		wantErr string // a field named in the error; "" for none
	}{
		{name: "off by default", want: def},
		{name: "webhook", section: "[notify]\nwebhook = \"https://sms.example/hallq\"\ntimeout = \"2s\"\nattempts = 6\nclose_ahead = 5\n",
			want: Notify{Webhook: "https://sms.example/hallq", Timeout: 2 * time.Second, Attempts: 6, CloseAhead: 5}},
		{name: "command (Load takes it from the file's folder)", section: "[notify]\ncommand = [\"bin/send-sms\", \"--sign\", \"大厅\"]\n",
			want: Notify{Command: []string{"bin/send-sms", "--sign", "大厅"}, Timeout: 5 * time.Second, Attempts: 4, CloseAhead: 3}},
		{name: "command on PATH", section: "[notify]\ncommand = [\"send-sms\"]\n",
			want: Notify{Command: []string{"send-sms"}, Timeout: 5 * time.Second, Attempts: 4, CloseAhead: 3}},
		{name: "both", section: "[notify]\nwebhook = \"https://sms.example/\"\ncommand = [\"/bin/true\"]\n", wantErr: "notify"},
		{name: "not http", section: "[notify]\nwebhook = \"file:///etc/passwd\"\n", wantErr: "notify.webhook"},
		{name: "no host", section: "[notify]\nwebhook = \"http:///x\"\n", wantErr: "notify.webhook"},
		{name: "an empty program", section: "[notify]\ncommand = [\" \"]\n", wantErr: "notify.command"},
		{name: "a long timeout", section: "[notify]\nwebhook = \"https://sms.example/\"\ntimeout = \"2m\"\n", wantErr: "notify.timeout"},
		{name: "no attempt", section: "[notify]\nwebhook = \"https://sms.example/\"\nattempts = 0\n", wantErr: "notify.attempts"},
		{name: "an unknown key", section: "[notify]\nurl = \"https://sms.example/\"\n", wantErr: "url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(validDoc(t)+"\n"+tt.section), "conf/hallq.toml")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Notify, tt.want) {
				t.Errorf("got %+v, want %+v", cfg.Notify, tt.want)
			}
			if cfg.Notify.Enabled() != (tt.want.Webhook != "" || tt.want.Command != nil) {
				t.Errorf("Enabled() = %v", cfg.Notify.Enabled())
			}
		})
	}
}

package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestFederation(t *testing.T) {
	tests := []struct {
		name    string
		section string
		want    Federation
		wantErr string // a field named in the error; "" for none
	}{
		{name: "off by default", want: Federation{Prefix: "hallq", Replicas: 3}},
		{name: "on", section: "[federation]\nurls = [\"nats://127.0.0.1:4222\", \"tls://city.example:4222\"]\nsubject_prefix = \"city.sz\"\ndomain = \"city\"\nreplicas = 5\n",
			want: Federation{URLs: []string{"nats://127.0.0.1:4222", "tls://city.example:4222"}, Prefix: "city.sz", Domain: "city", Replicas: 5}},
		{name: "credentials", section: "[federation]\nurls = [\"nats://127.0.0.1:4222\"]\ncredentials = \"hall.creds\"\n",
			want: Federation{URLs: []string{"nats://127.0.0.1:4222"}, Credentials: "hall.creds", Prefix: "hallq", Replicas: 3}},
		{name: "not a NATS URL", section: "[federation]\nurls = [\"http://127.0.0.1:4222\"]\n", wantErr: "federation.urls[0]"},
		{name: "a prefix with a wildcard", section: "[federation]\nurls = [\"nats://127.0.0.1:4222\"]\nsubject_prefix = \"city.*\"\n", wantErr: "federation.subject_prefix"},
		{name: "two replicas", section: "[federation]\nurls = [\"nats://127.0.0.1:4222\"]\nreplicas = 2\n", wantErr: "federation.replicas"},
		{name: "credentials without a server", section: "[federation]\ncredentials = \"hall.creds\"\n", wantErr: "federation.urls"},
		{name: "an unknown key", section: "[federation]\nurl = \"nats://127.0.0.1:4222\"\n", wantErr: "url"},
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
			if !reflect.DeepEqual(cfg.Federation, tt.want) {
				t.Errorf("got %+v, want %+v", cfg.Federation, tt.want)
			}
		})
	}
}

func TestFederationNeedsASubjectHallID(t *testing.T) {
	doc := edit(t, validDoc(t), `id = "h"`, `id = "h.1"`) + "\n[federation]\nurls = [\"nats://127.0.0.1:4222\"]\n"
	if _, err := Parse([]byte(doc), "hallq.toml"); err == nil || !strings.Contains(err.Error(), "hall.id") {
		t.Fatalf("got %v, want an error naming hall.id", err)
	}
}

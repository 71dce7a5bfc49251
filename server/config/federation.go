package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Federation is how the hall copies its public log to the city's NATS
// JetStream. Without URLs the hall federates nothing (the default).
type Federation struct {
	// URLs are the NATS servers to connect to: the hall's own leaf node, or
	// the city cluster's members.
	URLs []string
	// Credentials is the NATS credentials file (user JWT and NKey seed)
	// issued to this hall; empty connects without.
	Credentials string
	// Prefix starts the hall's subject: <prefix>.<hall>.events.
	Prefix string
	// Domain is the JetStream domain of the city cluster, when the hall
	// reaches it through a leaf node that runs a JetStream of its own.
	Domain string
	// Replicas is how many copies of the hall's stream the city keeps when
	// the hall creates it (1, 3 or 5).
	Replicas int
}

// Enabled reports whether the hall federates its log.
func (f Federation) Enabled() bool { return len(f.URLs) > 0 }

// DefaultFederationPrefix is the subject prefix when none is configured.
const DefaultFederationPrefix = "hallq"

type fileFederation struct {
	URLs        []string `toml:"urls"`
	Credentials string   `toml:"credentials"`
	Prefix      string   `toml:"subject_prefix"`
	Domain      string   `toml:"domain"`
	Replicas    *int     `toml:"replicas"`
}

// subjectToken is one token of a NATS subject as hallq uses it.
var subjectToken = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func (p *parser) federation(raw fileFederation) Federation {
	f := Federation{Credentials: p.path(strings.TrimSpace(raw.Credentials)), Prefix: strings.TrimSpace(raw.Prefix),
		Domain: strings.TrimSpace(raw.Domain), Replicas: p.intIn("federation.replicas", raw.Replicas, 3, 1, 5)}
	for i, u := range raw.URLs {
		field := fmt.Sprintf("federation.urls[%d]", i)
		pu, err := url.Parse(strings.TrimSpace(u))
		if err != nil || pu.Host == "" || (pu.Scheme != "nats" && pu.Scheme != "tls") {
			p.errorf(field, "%q is not a NATS URL such as nats://127.0.0.1:4222 or tls://nats.city.example:4222", u)
			continue
		}
		f.URLs = append(f.URLs, strings.TrimSpace(u))
	}
	if f.Prefix == "" {
		f.Prefix = DefaultFederationPrefix
	}
	for _, tok := range strings.Split(f.Prefix, ".") {
		if !subjectToken.MatchString(tok) {
			p.errorf("federation.subject_prefix", "%q must be NATS subject tokens of letters, digits, - and _, joined by dots", f.Prefix)
			break
		}
	}
	if f.Domain != "" && !subjectToken.MatchString(f.Domain) {
		p.errorf("federation.domain", "%q must be letters, digits, - and _", f.Domain)
	}
	if f.Replicas != 1 && f.Replicas != 3 && f.Replicas != 5 {
		p.errorf("federation.replicas", "%d must be 1, 3 or 5", f.Replicas)
	}
	if !f.Enabled() && (f.Credentials != "" || raw.Prefix != "" || f.Domain != "") {
		p.errorf("federation.urls", "the federation needs the URL of a NATS server")
	}
	return f
}

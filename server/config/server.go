package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"time"
)

// Keys says where the hall's secret keys are kept. They are never in hallq.db,
// so that a copy of the database does not reveal which ID numbers came; under
// systemd a credential named <key>.key (LoadCredential=) wins over the file.
type Keys struct {
	// Identity is the file of the HMAC key of identity documents. Empty means a
	// systemd credential identity.key must hold it (or, with Create, the file
	// identity.key in the data directory).
	Identity string
	// Create makes a missing key file with a new key. Only the demo hall sets
	// it: a hall run from its configuration file refuses to start without its
	// keys, since a new identity key would forget every count of the day.
	Create bool
	// Checkpoint is the file of the Ed25519 seed that signs the log's
	// checkpoints; empty means checkpoint.key in the data directory. The
	// server makes it at first start: a new key is published in the next
	// hall.configured event.
	Checkpoint string
	// CheckpointEvents and CheckpointEvery space the signed checkpoints: one
	// after this many events, and one this long after the last when events
	// came since. Each day's seal is signed too.
	CheckpointEvents int
	CheckpointEvery  time.Duration
}

// Defaults of the signed checkpoints.
const (
	DefaultCheckpointEvents = 1000
	DefaultCheckpointEvery  = 10 * time.Minute
)

// Server is how clients reach the server.
type Server struct {
	// TLSCert and TLSKey are PEM files of the server's certificate (chain) and
	// private key; both empty serves plain HTTP.
	TLSCert, TLSKey string
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-Proto and X-Forwarded-For headers are believed.
	TrustedProxies []netip.Prefix
}

type fileKeys struct {
	Identity         string   `toml:"identity"`
	Checkpoint       string   `toml:"checkpoint"`
	CheckpointEvents *int     `toml:"checkpoint_events"`
	CheckpointEvery  duration `toml:"checkpoint_every"`
}

type fileServer struct {
	TLSCert        string   `toml:"tls_cert"`
	TLSKey         string   `toml:"tls_key"`
	TrustedProxies []string `toml:"trusted_proxies"`
}

// path resolves a file named in the configuration against its directory.
func (p *parser) path(name string) string {
	if name == "" || p.dir == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(p.dir, name)
}

func (p *parser) keys(raw fileKeys) Keys {
	k := Keys{Identity: p.path(strings.TrimSpace(raw.Identity)), Checkpoint: p.path(strings.TrimSpace(raw.Checkpoint)),
		CheckpointEvents: p.intIn("keys.checkpoint_events", raw.CheckpointEvents, DefaultCheckpointEvents, 10, 1_000_000),
		CheckpointEvery:  raw.CheckpointEvery.or(DefaultCheckpointEvery)}
	if k.CheckpointEvery < time.Minute || k.CheckpointEvery > 24*time.Hour {
		p.errorf("keys.checkpoint_every", "%s must be between 1m and 24h", k.CheckpointEvery)
	}
	return k
}

func (p *parser) server(raw fileServer) Server {
	s := Server{TLSCert: p.path(raw.TLSCert), TLSKey: p.path(raw.TLSKey)}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		p.errorf("server.tls_cert", "tls_cert and tls_key go together: give both or neither")
	}
	for i, a := range raw.TrustedProxies {
		field := fmt.Sprintf("server.trusted_proxies[%d]", i)
		pfx, err := ParsePrefix(a)
		if err != nil {
			p.errorf(field, "%v", err)
			continue
		}
		s.TrustedProxies = append(s.TrustedProxies, pfx)
	}
	return s
}

// ParsePrefix reads a trusted proxy: an address ("127.0.0.1", "::1") or a
// network ("10.0.0.0/8").
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or network (such as 10.0.0.0/8)", s)
		}
		return pfx.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or network (such as 10.0.0.0/8)", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hallq/server/client"
	"hallq/server/config"
	"hallq/server/eventlog"
	"hallq/server/hall/halltest"
	"hallq/server/wire"
)

// writeCA makes a certificate authority and a server certificate it signed
// for 127.0.0.1 and localhost, as a hall would with its own CA, and returns
// the PEM files of the CA, the server certificate and its key.
func writeCA(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hallq test hall CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "hallq server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", der), write("server.key", "EC PRIVATE KEY", keyDER)
}

// TestHTTPS serves the hall over TLS with a certificate of the hall's own CA:
// the client (as kiosk and display use it) works with the CA file, API and
// websocket both, and refuses the server without it; the session cookie is
// Secure.
func TestHTTPS(t *testing.T) {
	caFile, certFile, keyFile := writeCA(t, t.TempDir())
	h := halltest.Start(t, halltest.Options{Serve: true, Adjust: func(cfg *config.Config) {
		cfg.Server.TLSCert, cfg.Server.TLSKey = certFile, keyFile
	}})
	base, sec := h.URL, h.Secrets
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	plain, err := client.New(base, sec.KioskToken, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.DeviceMe(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without the CA file: got %v, want a certificate error", err)
	}

	hc, err := client.HTTPClientWithCA(caFile)
	if err != nil {
		t.Fatal(err)
	}
	kiosk, err := client.New(base, sec.KioskToken, client.Options{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := kiosk.DeviceMe(ctx); err != nil || d.Kind != "kiosk" {
		t.Fatalf("device over HTTPS: %+v, %v", d, err)
	}
	tk, err := kiosk.IssueTicket(ctx, wire.IssueRequest{Service: "general", IdempotencyKey: "tls-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tk.StatusURL, "https://") {
		t.Errorf("the receipt's link %q is not https", tk.StatusURL)
	}
	// The websocket stream (wss://) with the same trust.
	display, _ := client.New(base, sec.DisplayToken, client.Options{HTTPClient: hc})
	got := errors.New("got the ticket")
	err = display.Stream(ctx, 0, client.StreamHandler{Status: func(st client.StreamStatus) { t.Logf("stream: %+v", st) }, Event: func(rec eventlog.Record) error {
		if rec.Type == "ticket.issued" {
			return got
		}
		return nil
	}})
	if !errors.Is(err, got) {
		t.Fatalf("stream over wss: %v", err)
	}

	// The session cookie is Secure over TLS.
	resp, err := hc.Post(base+"/api/v1/login", "application/json", strings.NewReader(
		`{"username":"`+sec.Staff[0].Username+`","password":"`+sec.Staff[0].Password+`","window":"`+sec.Staff[0].Windows[0]+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := sessionCookie(resp); c == nil || !c.Secure {
		t.Errorf("session cookie over TLS: %+v, want Secure", c)
	}
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "hallq_session" {
			return c
		}
	}
	return nil
}

// TestReverseProxy puts a TLS-terminating reverse proxy (Go's, set up as
// deploy/nginx-hallq.conf sets nginx) in front of the hall: the session cookie
// is Secure only when the proxy is trusted, and a client talking to the hall
// directly cannot claim HTTPS with its own X-Forwarded-Proto.
func TestReverseProxy(t *testing.T) {
	for _, tt := range []struct {
		name    string
		trusted bool
	}{{"trusted proxy", true}, {"proxy not configured", false}} {
		t.Run(tt.name, func(t *testing.T) {
			p := startProbeHall(t, func(c *config.Config) {
				if tt.trusted {
					c.Server.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
				}
			})
			target, _ := url.Parse(p.URL)
			proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(target)
				r.SetXForwarded() // X-Forwarded-For, -Host and -Proto (https: the proxy serves TLS)
				r.Out.Host = r.In.Host
			}}
			front := httptest.NewTLSServer(proxy)
			defer front.Close()
			login := `{"username":"` + p.Secrets.Staff[0].Username + `","password":"` + p.Secrets.Staff[0].Password + `","window":"` + p.Secrets.Staff[0].Windows[0] + `"}`
			resp, err := front.Client().Post(front.URL+"/api/v1/login", "application/json", strings.NewReader(login))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			c := sessionCookie(resp)
			if resp.StatusCode != http.StatusOK || c == nil || c.Secure != tt.trusted {
				t.Fatalf("through the proxy: %d, cookie %+v; want Secure %v", resp.StatusCode, c, tt.trusted)
			}
			// The receipt link follows the proxy's scheme when trusted.
			req, _ := http.NewRequest("POST", front.URL+"/api/v1/tickets", strings.NewReader(`{"service":"general","idempotency_key":"p1"}`))
			req.Header.Set("Authorization", "Bearer "+p.Secrets.KioskToken)
			resp, err = front.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body strings.Builder
			buf := make([]byte, 4096)
			n, _ := resp.Body.Read(buf)
			body.Write(buf[:n])
			resp.Body.Close()
			if want := `"status_url":"https://`; tt.trusted != strings.Contains(body.String(), want) {
				t.Errorf("receipt link through the proxy (trusted %v): %s", tt.trusted, body.String())
			}
		})
	}
	// Directly, a client's own X-Forwarded-Proto is not believed.
	p := startProbeHall(t, nil)
	h := http.Header{"X-Forwarded-Proto": {"https"}}
	login := `{"username":"` + p.Secrets.Staff[0].Username + `","password":"` + p.Secrets.Staff[0].Password + `","window":"` + p.Secrets.Staff[0].Windows[0] + `"}`
	req, _ := http.NewRequest("POST", p.URL+"/api/v1/login", strings.NewReader(login))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := sessionCookie(resp); c == nil || c.Secure {
		t.Errorf("a direct client's X-Forwarded-Proto: cookie %+v, want a cookie without Secure", c)
	}
}

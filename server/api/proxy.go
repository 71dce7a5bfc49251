package api

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// remoteAddr is the address of the peer of a request's connection.
func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// trusted reports whether a is one of the configured reverse proxies.
func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.trustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address a request comes from: its connection's peer or,
// when that peer is a trusted proxy, the nearest address in X-Forwarded-For
// that is not a trusted proxy (addresses further left were written by the
// client and prove nothing).
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	a := remoteAddr(r)
	if !s.trusted(a) {
		return a
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return a // a hop we cannot read: stop at the proxy
		}
		a = h.Unmap()
		if !s.trusted(a) {
			return a
		}
	}
	return a
}

// secure reports whether the client reached the server over HTTPS: TLS on
// this connection, or a trusted proxy saying so in X-Forwarded-Proto.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !s.trusted(remoteAddr(r)) {
		return false
	}
	proto := r.Header.Get("X-Forwarded-Proto")
	if i := strings.LastIndexByte(proto, ','); i >= 0 {
		proto = proto[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

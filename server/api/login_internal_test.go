package api

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestLoginGuardStateIsBounded: failures from more addresses than it keeps
// leave it at its bound, as do made-up usernames; a sweep after the window
// forgets them all.
func TestLoginGuardStateIsBounded(t *testing.T) {
	g := newLoginGuard(3, []string{"wang"}, make([]byte, 32))
	now := time.Now()
	for i := range maxAddresses + 5000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if _, _, ok := g.reserve(a, fmt.Sprintf("user-%d", i), false, now); !ok {
			t.Fatalf("address %d refused at its first failure", i)
		}
	}
	if n := g.addresses.Len(); n != maxAddresses {
		t.Errorf("%d addresses kept, want %d", n, maxAddresses)
	}
	if n := g.others.Len(); len(g.accounts) != 1 || n != maxAddresses {
		t.Errorf("%d accounts and %d other usernames kept, want 1 and %d", len(g.accounts), n, maxAddresses)
	}
	g.Sweep(now.Add(loginWindow))
	if n, m := g.addresses.Len(), g.others.Len(); n+m != 0 {
		t.Errorf("%d addresses and %d usernames kept after the window, want none", n, m)
	}
}

// TestIPv6AddressesCountByNetwork: addresses of one /64 share a limit.
func TestIPv6AddressesCountByNetwork(t *testing.T) {
	g := newLoginGuard(2, nil, make([]byte, 32))
	now := time.Now()
	for i, a := range []string{"2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:db8:1:2:abcd::9"} {
		_, _, ok := g.reserve(netip.MustParseAddr(a), fmt.Sprint("user", i), false, now)
		if want := i < 2; ok != want {
			t.Errorf("%s: allowed %v, want %v", a, ok, want)
		}
	}
	if _, _, ok := g.reserve(netip.MustParseAddr("2001:db8:1:3::1"), "user9", false, now); !ok {
		t.Error("another /64 was refused")
	}
}

package main

import (
	"slices"
	"time"

	"hallq/server/queue"
	"hallq/server/wire"
)

// Tile is one service button of the home screen.
type Tile struct {
	Key     int // the digit key that takes it, from 1
	Service string
	NameZH  string
	NameEN  string
	Prefix  string
	// RealName services ask for the resident ID number first.
	RealName bool
	// Live says Waiting and ETASeconds come from the server's board.
	Live       bool
	Waiting    int
	ETASeconds int
	// Available says a number can be taken now; Reason says why not.
	Available bool
	Reason    msg
	// Offline says the number would come from the kiosk's lease, of which
	// Remaining are left.
	Offline   bool
	Remaining int
}

// homeInput is everything the home screen is computed from.
type homeInput struct {
	Hall   *wire.Hall
	Device *wire.Device   // nil until the server said which kiosk this is
	Board  *wire.Board    // the last board; nil if none was ever fetched
	Online bool           // the server answers now
	Leased map[string]int // leased numbers left today, by service
	Now    time.Time      // the hall's time
	Rule   *queue.Hall    // the hall's opening hours and zone; nil: always open
}

// tilesFor returns the tiles of the home screen: the services the kiosk
// offers, in the hall's order. Online, availability and queue figures are the
// board's. Offline, the services that need no identity are available while
// leased numbers are left and the hall is open; real-name services are not,
// since per-person limits cannot be checked without the server.
func tilesFor(in homeInput) []Tile {
	if in.Hall == nil {
		return nil
	}
	var tiles []Tile
	for _, svc := range offered(in.Hall, in.Device) {
		t := Tile{Key: len(tiles) + 1, Service: svc.ID, NameZH: svc.NameZH, NameEN: svc.NameEN, Prefix: svc.Prefix, RealName: svc.RealName}
		var sb *queue.ServiceBoard
		if in.Board != nil {
			if i := slices.IndexFunc(in.Board.Services, func(b queue.ServiceBoard) bool { return b.ID == svc.ID }); i >= 0 {
				sb = &in.Board.Services[i]
			}
		}
		switch {
		case in.Online && sb != nil:
			t.Live, t.Waiting, t.ETASeconds = true, sb.Waiting, sb.ETASeconds
			t.Available = sb.Available
			if !t.Available {
				t.Reason = msg{sb.UnavailableZH, sb.Unavailable}
				if t.Reason.zh == "" && t.Reason.en == "" {
					t.Reason = txtNotAvailable
				}
			}
		case svc.RealName:
			t.Reason = txtRealNameOff
		case in.Rule != nil && !in.Rule.IsOpen(in.Now):
			t.Reason = msgf(txtClosed, in.Hall.Hours)
		default:
			t.Offline, t.Remaining = true, in.Leased[svc.ID]
			t.Available = t.Remaining > 0
			if !t.Available {
				t.Reason = txtLeaseSpent
			}
		}
		tiles = append(tiles, t)
	}
	return tiles
}

// offered returns the hall's services the kiosk offers (its device's
// services, all when it names none), in the hall's order.
func offered(h *wire.Hall, d *wire.Device) []wire.Service {
	var out []wire.Service
	for _, svc := range h.Services {
		if d == nil || len(d.Services) == 0 || slices.Contains(d.Services, svc.ID) {
			out = append(out, svc)
		}
	}
	return out
}

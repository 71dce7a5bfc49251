package client

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Lease is a block of numbers of one service reserved for a kiosk, which it
// issues while it cannot reach the server (lease.granted in the public log).
// A lease is valid on its service day only.
type Lease struct {
	ID      string         `json:"id"`
	Service string         `json:"service"`
	Day     string         `json:"day"` // service day, such as 2026-11-22
	Numbers []LeasedNumber `json:"numbers"`
}

// LeasedNumber is one unused number of a lease, with the ticket it will become
// and the status link its receipt's QR code must carry (the kiosk cannot make
// tokens itself: they are keyed with a server secret).
type LeasedNumber struct {
	Number    string `json:"number"`
	Ticket    string `json:"ticket"`
	Token     string `json:"token"`
	StatusURL string `json:"status_url"`
}

// OfflineTicket is a ticket a kiosk issued from a leased number while offline,
// as it reports it to the server (POST /api/v1/tickets/offline).
type OfflineTicket struct {
	Lease    string    `json:"lease"`
	Number   string    `json:"number"`
	IssuedAt time.Time `json:"issued_at"` // when the kiosk printed it; the ticket enters the queue by it
	Priority string    `json:"priority,omitempty"`
	// Replaces is the idempotency key of the kiosk's ticket request that got
	// no answer before it printed this ticket instead, or empty. If the
	// server did issue that ticket and it still waits, the server withdraws
	// it (ticket.cancelled by "kiosk", replaced_by this number); if not, the
	// key is spent, so that the request arriving late issues nothing.
	Replaces string `json:"replaces,omitempty"`
}

// Printer health a device reports with ReportDevice; printer.Code names the
// faults the same way.
const (
	PrinterOK           = "ok"
	PrinterPaperNearEnd = "paper_near_end"
	PrinterPaperOut     = "paper_out"
	PrinterCoverOpen    = "cover_open"
	PrinterOffline      = "offline"
	PrinterFault        = "fault"
	PrinterNoReply      = "no_reply"
	PrinterLink         = "link"
)

// GrantLease asks for numbers of a service to issue while offline: count of
// them, or with count 0 as many as tops the kiosk's holding of that service up
// to the hall's lease size. The answer holds only the numbers granted now.
// Real-name services are refused (EINVALID: per-person limits cannot be
// checked offline), as is a kiosk that already holds a full lease (ECONFLICT)
// and a service whose numbers of today are all taken (ELIMIT).
func (c *Client) GrantLease(ctx context.Context, service string, count int) (*Lease, error) {
	if service == "" {
		return nil, errors.New("client: grant lease: a service is required")
	}
	body := struct {
		Service string `json:"service"`
		Count   int    `json:"count,omitempty"`
	}{service, count}
	var out struct {
		Lease Lease `json:"lease"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/leases", nil, body, &out); err != nil {
		return nil, err
	}
	return &out.Lease, nil
}

// Leases returns the kiosk's leases of today that still have unused numbers,
// each with only those numbers, as the server knows them. A number the kiosk
// issued offline but has not synced yet is still listed.
func (c *Client) Leases(ctx context.Context) ([]Lease, error) {
	var out struct {
		Leases []Lease `json:"leases"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/v1/leases", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Leases, nil
}

// SyncOffline records a ticket the kiosk issued offline. It is idempotent:
// the same leased number sent again returns the ticket recorded the first
// time and changes nothing, so a sync whose answer was lost is simply sent
// again. A refusal (*Error) is final for that ticket: the lease is not the
// kiosk's or not today's, or it was voided when its day was sealed.
func (c *Client) SyncOffline(ctx context.Context, t OfflineTicket) (*Ticket, error) {
	if t.Lease == "" || t.Number == "" {
		return nil, errors.New("client: sync offline ticket: lease and number are required")
	}
	var out struct {
		Ticket Ticket `json:"ticket"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/tickets/offline", nil, t, &out); err != nil {
		return nil, err
	}
	return &out.Ticket, nil
}

// WithdrawRequest settles a ticket request of the kiosk that got no answer
// and that the kiosk could print nothing in place of (a real-name service
// while offline, a spent lease, the hall closed): key is the request's
// idempotency key. If the server issued a ticket for it that still waits, it
// withdraws it (ticket.cancelled by "kiosk") and returns its number; if it
// never saw the key, it spends it, so that the request arriving late issues
// nothing (ECONFLICT), and returns "". It is idempotent: sent again, it
// returns "" and changes nothing, so a withdrawal whose answer was lost is
// simply sent again. A refusal (*Error) means the server withdrew nothing:
// EINVALID for a key no request could have had (over 128 bytes), EUNAUTHORIZED
// or EFORBIDDEN for a token that is not a kiosk's.
func (c *Client) WithdrawRequest(ctx context.Context, key string) (number string, err error) {
	if key == "" {
		return "", errors.New("client: withdraw request: an idempotency key is required")
	}
	body := struct {
		IdempotencyKey string `json:"idempotency_key"`
	}{key}
	var out struct {
		Withdrawn *string `json:"withdrawn"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/tickets/withdraw", nil, body, &out); err != nil {
		return "", err
	}
	if out.Withdrawn == nil {
		return "", errors.New("client: POST /api/v1/tickets/withdraw: the answer has no withdrawn field")
	}
	return *out.Withdrawn, nil
}

// ReportDevice reports the health of the device's printer: printer is one of
// the Printer… constants and detail a short explanation for staff (at most 200
// bytes). The server records a device.status event when it differs from the
// last report, and lists devices with a problem on the board, so reporting
// after every print is cheap.
func (c *Client) ReportDevice(ctx context.Context, printer, detail string) error {
	body := struct {
		Printer string `json:"printer"`
		Detail  string `json:"detail,omitempty"`
	}{printer, detail}
	return c.do(ctx, http.MethodPost, "/api/v1/devices/me/status", nil, body, nil)
}

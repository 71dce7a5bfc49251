package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"hallq/server/wire"
)

// GrantLease asks for numbers of a service to issue while offline: count of
// them, or with count 0 as many as tops the kiosk's holding of that service up
// to the hall's lease size. The answer holds only the numbers granted now.
// Real-name services are refused (EINVALID: per-person limits cannot be
// checked offline), as is a kiosk that already holds a full lease (ECONFLICT)
// and a service whose numbers of today are all taken (ELIMIT).
func (c *Client) GrantLease(ctx context.Context, service string, count int) (*wire.Lease, error) {
	if service == "" {
		return nil, errors.New("client: grant lease: a service is required")
	}
	body := wire.LeaseRequest{Service: service, Count: count}
	var out wire.LeaseAnswer
	if err := c.do(ctx, http.MethodPost, "/api/v1/leases", nil, body, &out); err != nil {
		return nil, err
	}
	return &out.Lease, nil
}

// Leases returns the kiosk's leases of today that still have unused numbers,
// each with only those numbers, as the server knows them. A number the kiosk
// issued offline but has not synced yet is still listed.
func (c *Client) Leases(ctx context.Context) ([]wire.Lease, error) {
	var out wire.LeasesAnswer
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
func (c *Client) SyncOffline(ctx context.Context, t wire.OfflineTicket) (*wire.Ticket, error) {
	if t.Lease == "" || t.Number == "" {
		return nil, errors.New("client: sync offline ticket: lease and number are required")
	}
	var out wire.TicketAnswer
	if err := c.doIdempotent(ctx, http.MethodPost, "/api/v1/tickets/offline", t, &out, NewIdempotencyKey()); err != nil {
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
	body := wire.WithdrawRequest{IdempotencyKey: key}
	var out struct {
		Withdrawn *string `json:"withdrawn"`
	}
	if err := c.doIdempotent(ctx, http.MethodPost, "/api/v1/tickets/withdraw", body, &out, NewIdempotencyKey()); err != nil {
		return "", err
	}
	if out.Withdrawn == nil {
		return "", errors.New("client: POST /api/v1/tickets/withdraw: the answer has no withdrawn field")
	}
	return *out.Withdrawn, nil
}

// ReportDevice reports the health of the device's printer: printer is one of
// the wire.Printer… constants and detail a short explanation for staff (at most 200
// bytes). The server records a device.status event when it differs from the
// last report, and lists devices with a problem on the board, so reporting
// after every print is cheap.
func (c *Client) ReportDevice(ctx context.Context, printer wire.PrinterState, detail string) error {
	body := wire.DeviceStatus{Printer: printer, Detail: detail}
	return c.doIdempotent(ctx, http.MethodPost, "/api/v1/devices/me/status", body, nil, NewIdempotencyKey())
}

// CheckIn checks in an applicant's booking of today and returns the ticket it
// became (an appointment ticket, late if checked in after the on-time
// window). When the document holds several bookings today the server refuses
// with ECHOOSE and the *Error's Bookings list them: send again with the
// chosen one's Code. Other refusals (*Error): ENOTFOUND (no booking today for
// that document), ETOOEARLY, ETOOLATE, EINVALID, ERATE.
func (c *Client) CheckIn(ctx context.Context, req wire.CheckInRequest) (*wire.Ticket, error) {
	if req.IDNumber == "" {
		return nil, errors.New("client: check in: the booker's document number is required")
	}
	var out wire.TicketAnswer
	if err := c.doIdempotent(ctx, http.MethodPost, "/api/v1/appointments/check-in", req, &out, NewIdempotencyKey()); err != nil {
		return nil, err
	}
	return &out.Ticket, nil
}

// LeavePhone leaves an applicant's mobile number for the hall's text
// messages (their turn is close, they are called) on a ticket this kiosk
// issued: token is the ticket's token. The same number again succeeds and
// changes nothing. Refusals (*Error): EINVALID for anything but a mainland
// mobile number, ECONFLICT for a hall that sends no messages, a ticket no
// longer waiting or a second, different number, EFORBIDDEN for another
// kiosk's ticket, ENOTFOUND for a ticket not of today.
func (c *Client) LeavePhone(ctx context.Context, token, phone string) error {
	if token == "" || phone == "" {
		return errors.New("client: leave phone: a ticket token and a number are required")
	}
	var out wire.PhoneAnswer
	if err := c.doIdempotent(ctx, http.MethodPost, "/api/v1/tickets/"+url.PathEscape(token)+"/phone", wire.PhoneRequest{Phone: phone}, &out, NewIdempotencyKey()); err != nil {
		return err
	}
	if !out.Registered {
		return errors.New("client: POST /api/v1/tickets/{token}/phone: the answer does not say the number is kept")
	}
	return nil
}

package printer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultStatusTimeout is how long Printer waits for the replies to a status
// query before it reports ErrNoReply.
const DefaultStatusTimeout = time.Second

// writeChunk is how many bytes Printer writes at a time, checking its context
// between chunks: about half a second at 9600 baud.
const writeChunk = 512

// Printer prints receipts on one printer and reads its status. Its methods
// may be called from any goroutine; they take turns on the connection.
type Printer struct {
	conn    Conn
	profile Profile
	timeout time.Duration

	mu sync.Mutex // serialises jobs and status queries on conn
}

// New returns a Printer that sends jobs laid out for profile through conn and
// waits DefaultStatusTimeout for status replies. The Printer owns conn from
// now on; Close closes it.
func New(conn Conn, profile Profile) (*Printer, error) {
	if err := profile.Validate(); err != nil {
		return nil, err
	}
	return &Printer{conn: conn, profile: profile, timeout: DefaultStatusTimeout}, nil
}

// SetStatusTimeout sets how long status queries wait for the replies; d must
// be positive.
func (p *Printer) SetStatusTimeout(d time.Duration) {
	if d > 0 {
		p.mu.Lock()
		p.timeout = d
		p.mu.Unlock()
	}
}

// Profile returns the profile the printer lays out receipts for.
func (p *Printer) Profile() Profile { return p.profile }

// PrintTicket prints the receipt of t. It first checks the status, so that a
// receipt is never queued in a printer that cannot print it (it would come out
// later, for someone else); then it sends the receipt and checks the status
// again. It returns the last status read and an error that matches, with
// errors.Is, ErrPaperOut, ErrCoverOpen, ErrFault, ErrOffline, ErrNoReply or
// ErrLink, and also ErrNotSent when the receipt was not sent. On success the status may still say PaperNearEnd, which staff
// should hear about.
func (p *Printer) PrintTicket(ctx context.Context, t Ticket) (Status, error) {
	job, err := Receipt(t, p.profile)
	if err != nil {
		return Status{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.status(ctx)
	if err != nil {
		return st, fmt.Errorf("%w: ticket %s: %w", ErrNotSent, t.Number, err)
	}
	if err := st.Err(); err != nil {
		return st, fmt.Errorf("%w: ticket %s: %w", ErrNotSent, t.Number, err)
	}
	if err := p.write(ctx, job); err != nil {
		return st, fmt.Errorf("printer: ticket %s: %w", t.Number, err)
	}
	st, err = p.status(ctx)
	if err != nil {
		return st, fmt.Errorf("printer: after ticket %s: %w", t.Number, err)
	}
	if err := st.Err(); err != nil {
		return st, fmt.Errorf("printer: after ticket %s: %w", t.Number, err)
	}
	return st, nil
}

// Print sends a job as it is, without checking the status.
func (p *Printer) Print(ctx context.Context, job []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.write(ctx, job)
}

// Status queries the printer with DLE EOT 1–4 and decodes the replies. It
// returns an error matching ErrNoReply when the replies do not all arrive in
// time, and one matching ErrLink when the connection fails. A printer that is
// not ready is not an error here: see Status.Err.
func (p *Printer) Status(ctx context.Context) (Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status(ctx)
}

// Close closes the connection.
func (p *Printer) Close() error { return p.conn.Close() }

// write sends job in chunks, stopping when ctx ends.
func (p *Printer) write(ctx context.Context, job []byte) error {
	if dl, ok := p.conn.(interface{ SetWriteDeadline(time.Time) error }); ok {
		deadline, _ := ctx.Deadline() // zero: no deadline
		if err := dl.SetWriteDeadline(deadline); err != nil {
			return err
		}
	}
	for len(job) > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("printer: write: %w", err)
		}
		n := min(len(job), writeChunk)
		if _, err := p.conn.Write(job[:n]); err != nil {
			return err
		}
		job = job[n:]
	}
	return nil
}

// status drains stale replies, sends the four queries and collects the
// four replies, skipping bytes that are no status reply.
func (p *Printer) status(ctx context.Context) (Status, error) {
	if err := p.drain(); err != nil {
		return Status{}, err
	}
	q := make([]byte, 0, 12)
	for n := byte(1); n <= 4; n++ {
		q = append(q, StatusQuery(n)...)
	}
	if _, err := p.conn.Write(q); err != nil {
		return Status{}, fmt.Errorf("printer: status query: %w", err)
	}
	var raw [4]byte
	got := 0
	deadline := time.Now().Add(p.timeout)
	buf := make([]byte, 16)
	for got < 4 {
		if err := ctx.Err(); err != nil {
			return Status{}, fmt.Errorf("printer: status query: %w", err)
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return Status{}, fmt.Errorf("printer: status query: %d of 4 replies within %v: %w", got, p.timeout, ErrNoReply)
		}
		n, err := p.conn.ReadWithin(buf, wait)
		if err != nil {
			return Status{}, fmt.Errorf("printer: status query: %w", err)
		}
		if n == 0 {
			// The connection waited as long as it had to (a serial port
			// waits longer while a job is still on the line).
			return Status{}, fmt.Errorf("printer: status query: %d of 4 replies within %v: %w", got, p.timeout, ErrNoReply)
		}
		for _, b := range buf[:n] {
			if got < 4 && IsStatusReply(b) {
				raw[got] = b
				got++
			}
		}
	}
	st, err := DecodeStatus(raw)
	if err != nil {
		return Status{}, fmt.Errorf("%w: %w", ErrNoReply, err)
	}
	return st, nil
}

// drain discards bytes that arrived since the last query: late replies to a
// query that timed out, or automatic status back.
func (p *Printer) drain() error {
	buf := make([]byte, 64)
	for range 16 {
		n, err := p.conn.ReadWithin(buf, 0)
		if err != nil {
			if errors.Is(err, ErrNoReply) {
				return err // a device that cannot be read
			}
			return fmt.Errorf("printer: drain replies: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
	return nil
}

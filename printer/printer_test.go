package printer

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// fakeConn is a printer that answers DLE EOT with fixed replies, after
// whatever bytes were already waiting to be read.
type fakeConn struct {
	in      []byte  // bytes waiting for ReadWithin
	replies [4]byte // answers to DLE EOT 1–4
	junk    []byte  // sent before each answer
	mute    bool
	written bytes.Buffer
	closed  bool
}

var _ Conn = (*fakeConn)(nil)

func (f *fakeConn) Write(p []byte) (int, error) {
	if f.closed {
		return 0, errors.New("closed")
	}
	f.written.Write(p)
	for i := 0; i+2 < len(p); i++ {
		if p[i] == DLE && p[i+1] == EOT && p[i+2] >= 1 && p[i+2] <= 4 && !f.mute {
			f.in = append(f.in, f.junk...)
			f.in = append(f.in, f.replies[p[i+2]-1])
		}
	}
	return len(p), nil
}

func (f *fakeConn) ReadWithin(p []byte, d time.Duration) (int, error) {
	n := copy(p, f.in)
	f.in = f.in[n:]
	return n, nil
}

func (f *fakeConn) Close() error { f.closed = true; return nil }

func TestStatusSkipsStaleAndForeignBytes(t *testing.T) {
	ready := [4]byte{0x12, 0x12, 0x12, 0x12}
	coverOpen := [4]byte{0x1a, 0x16, 0x12, 0x12}
	tests := []struct {
		name    string
		stale   []byte
		junk    []byte
		replies [4]byte
		want    Status
	}{
		{"clean", nil, nil, ready, Status{Raw: ready}},
		{"stale replies to an earlier query", []byte{0x1a, 0x16, 0x12, 0x7e}, nil, ready, Status{Raw: ready}},
		{"automatic status back between replies", nil, []byte{0x10, 0x00, 0x0c, 0x00}, coverOpen, Status{Raw: coverOpen, Offline: true, CoverOpen: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeConn{in: append([]byte(nil), tt.stale...), replies: tt.replies, junk: tt.junk}
			p, err := New(c, presets[0])
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Status(context.Background())
			if err != nil {
				t.Fatalf("Status: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if q := []byte{DLE, EOT, 1, DLE, EOT, 2, DLE, EOT, 3, DLE, EOT, 4}; !bytes.Equal(c.written.Bytes(), q) {
				t.Errorf("sent % x, want % x", c.written.Bytes(), q)
			}
		})
	}
}

func TestPrintTicketNeverSendsToAPrinterThatIsNotReady(t *testing.T) {
	tests := []struct {
		name string
		conn *fakeConn
		want error
	}{
		{"mute", &fakeConn{mute: true}, ErrNoReply},
		{"paper out", &fakeConn{replies: [4]byte{0x1a, 0x32, 0x12, 0x7e}}, ErrPaperOut},
		{"closed", &fakeConn{closed: true}, ErrNotSent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.conn, presets[0])
			if err != nil {
				t.Fatal(err)
			}
			// The fake answers at once or never (a mute fake's reads return
			// nothing straight away), so a generous timeout costs nothing;
			// a short one could expire before a slow machine has read the
			// paper-out reply and report no reply instead.
			p.SetStatusTimeout(time.Minute)
			_, err = p.PrintTicket(context.Background(), SampleTicket(SampleStatusURL, time.Now()))
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrNotSent) {
				t.Errorf("got %v, want an error matching %v and ErrNotSent", err, tt.want)
			}
			if bytes.Contains(tt.conn.written.Bytes(), []byte{ESC, '@'}) {
				t.Errorf("the receipt was sent")
			}
		})
	}
}

func TestPrintStopsWhenContextEnds(t *testing.T) {
	c := &fakeConn{replies: [4]byte{0x12, 0x12, 0x12, 0x12}}
	p, err := New(c, presets[0])
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Print(ctx, make([]byte, 2*writeChunk)); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if c.written.Len() != 0 {
		t.Errorf("wrote %d bytes after the context ended", c.written.Len())
	}
}

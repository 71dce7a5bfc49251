package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/tarm/serial"
)

// Conn is a connection to one printer: commands go out through Write, status
// replies come back through ReadWithin. Every failed or short write returns an
// error. A Conn is used by one goroutine at a time; Printer serialises its use.
type Conn interface {
	io.Writer
	io.Closer
	// ReadWithin reads reply bytes into p, waiting at most about d for the
	// first one. It returns 0 and a nil error when nothing arrived in time.
	ReadWithin(p []byte, d time.Duration) (int, error)
}

var (
	_ Conn = (*Serial)(nil)
	_ Conn = (*Stream)(nil)
)

// SerialConfig says how to open a serial printer. The line is always 8N1.
type SerialConfig struct {
	// Port is the device, such as /dev/ttyUSB0 or /dev/ttyS0.
	Port string
	// Baud is the line speed: 9600 for most printers as shipped, up to 115200.
	Baud int
	// ReadTimeout bounds each read of the port; it is always set, because a
	// read without one blocks forever and Close then hangs. Zero means
	// DefaultReadTimeout. The port measures it in tenths of a second.
	ReadTimeout time.Duration
}

// DefaultReadTimeout is the read timeout of a serial port whose configuration
// leaves it zero.
const DefaultReadTimeout = 100 * time.Millisecond

// Serial is a printer on a serial port, through tarm/serial.
type Serial struct {
	port        *serial.Port
	name        string
	baud        int
	readTimeout time.Duration

	mu       sync.Mutex
	busyTill time.Time // when the bytes written so far have left the line, estimated
}

// OpenSerial opens the serial port cfg describes.
func OpenSerial(cfg SerialConfig) (*Serial, error) {
	if cfg.Port == "" {
		return nil, errors.New("printer: open serial: no port given")
	}
	if cfg.Baud <= 0 {
		return nil, fmt.Errorf("printer: open serial %s: baud %d: want a positive rate", cfg.Port, cfg.Baud)
	}
	if cfg.ReadTimeout < 0 {
		return nil, fmt.Errorf("printer: open serial %s: negative read timeout %v", cfg.Port, cfg.ReadTimeout)
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	p, err := serial.OpenPort(&serial.Config{
		Name:        cfg.Port,
		Baud:        cfg.Baud,
		Size:        8,
		Parity:      serial.ParityNone,
		StopBits:    serial.Stop1,
		ReadTimeout: cfg.ReadTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("printer: open serial %s at %d baud: %w: %w", cfg.Port, cfg.Baud, ErrLink, err)
	}
	return &Serial{port: p, name: cfg.Port, baud: cfg.Baud, readTimeout: cfg.ReadTimeout}, nil
}

// Write sends p to the printer. The kernel queues the bytes, so Write returns
// before they have left the line; Serial remembers how long that takes at its
// baud rate (10 bits a byte) so that ReadWithin waits for replies queued
// behind them.
func (s *Serial) Write(p []byte) (int, error) {
	n, err := s.port.Write(p)
	s.mu.Lock()
	now := time.Now()
	if s.busyTill.Before(now) {
		s.busyTill = now
	}
	s.busyTill = s.busyTill.Add(TransmitTime(n, s.baud))
	s.mu.Unlock()
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return n, fmt.Errorf("printer: write %s: %w: %w", s.name, ErrLink, err)
	}
	return n, nil
}

// ReadWithin reads reply bytes, waiting at most d after the bytes written so
// far have left the line. It waits at least one read timeout.
func (s *Serial) ReadWithin(p []byte, d time.Duration) (int, error) {
	s.mu.Lock()
	deadline := time.Now().Add(d)
	if s.busyTill.After(time.Now()) {
		deadline = s.busyTill.Add(d)
	}
	s.mu.Unlock()
	for {
		n, err := s.port.Read(p)
		if n > 0 {
			return n, nil
		}
		// tarm/serial reports a read timeout as (0, io.EOF).
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("printer: read %s: %w: %w", s.name, ErrLink, err)
		}
		if !time.Now().Before(deadline) {
			return 0, nil
		}
	}
}

// Close closes the port. It returns within one read timeout.
func (s *Serial) Close() error {
	if err := s.port.Close(); err != nil {
		return fmt.Errorf("printer: close %s: %w", s.name, err)
	}
	return nil
}

// TransmitTime is how long n bytes take on a serial line at baud bits per
// second with 8N1 framing: 10 bits, so baud/10 bytes, a second.
func TransmitTime(n, baud int) time.Duration {
	if baud <= 0 {
		return 0
	}
	return time.Duration(n) * 10 * time.Second / time.Duration(baud)
}

// deadlineRW is what Stream needs of a net.Conn or an *os.File.
type deadlineRW interface {
	io.ReadWriteCloser
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// Stream is a printer behind a network socket (raw TCP, port 9100) or a
// device file (/dev/usb/lp0). Reads use deadlines; a device that cannot be
// read with a deadline answers no status query.
type Stream struct {
	rw       deadlineRW
	name     string
	readable error // nil, or why status replies cannot be read
}

// DefaultPort is the raw printing port of network printers (AppSocket/JetDirect).
const DefaultPort = "9100"

// DialTCP connects to a network printer at addr ("host" or "host:port"; the
// port defaults to 9100).
func DialTCP(ctx context.Context, addr string) (*Stream, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, DefaultPort)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("printer: dial %s: %w: %w", addr, ErrLink, err)
	}
	return &Stream{rw: c.(*net.TCPConn), name: addr}, nil
}

// OpenDevice opens a printer device file such as /dev/usb/lp0 for writing
// and, where the device allows, for reading status replies.
func OpenDevice(path string) (*Stream, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	var readable error
	if err != nil {
		f, err = os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("printer: open %s: %w: %w", path, ErrLink, err)
		}
		readable = fmt.Errorf("printer: %s opens for writing only", path)
	}
	if readable == nil {
		// A device the runtime cannot poll would block reads forever.
		if err := f.SetReadDeadline(time.Time{}); err != nil {
			readable = fmt.Errorf("printer: %s cannot be read with a deadline: %w", path, err)
		}
	}
	return &Stream{rw: f, name: path, readable: readable}, nil
}

// Write sends p to the printer.
func (s *Stream) Write(p []byte) (int, error) {
	n, err := s.rw.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return n, fmt.Errorf("printer: write %s: %w: %w", s.name, ErrLink, err)
	}
	return n, nil
}

// SetWriteDeadline bounds the writes that follow; Printer sets it from its
// context so a printer that stops reading cannot block a kiosk forever.
func (s *Stream) SetWriteDeadline(t time.Time) error {
	if err := s.rw.SetWriteDeadline(t); err != nil && !errors.Is(err, os.ErrNoDeadline) {
		return fmt.Errorf("printer: %s: set write deadline: %w", s.name, err)
	}
	return nil
}

// ReadWithin reads reply bytes, waiting at most d.
func (s *Stream) ReadWithin(p []byte, d time.Duration) (int, error) {
	if s.readable != nil {
		return 0, fmt.Errorf("%w: %w", ErrNoReply, s.readable)
	}
	if err := s.rw.SetReadDeadline(time.Now().Add(d)); err != nil {
		return 0, fmt.Errorf("printer: %s: set read deadline: %w: %w", s.name, ErrLink, err)
	}
	n, err := s.rw.Read(p)
	if n > 0 {
		return n, nil
	}
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, nil
	}
	return 0, fmt.Errorf("printer: read %s: %w: %w", s.name, ErrLink, err)
}

// Close closes the connection.
func (s *Stream) Close() error {
	if err := s.rw.Close(); err != nil {
		return fmt.Errorf("printer: close %s: %w", s.name, err)
	}
	return nil
}

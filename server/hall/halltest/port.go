package halltest

import (
	"net"
	"sync"
	"testing"
)

// Port is a loopback address for an in-process server that a test stops and
// starts again, as a restart would. The test holds the port for the whole
// test, so that nothing else can take it while the server is down; meanwhile
// every connection is dropped, as a machine whose server is down refuses it.
type Port struct {
	ln net.Listener

	mu      sync.Mutex
	serving *served // the running server's listener; nil while it is down
}

// NewPort listens on a loopback port until the test ends.
func NewPort(t testing.TB) *Port {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Port{ln: ln}
	go p.accept()
	t.Cleanup(func() { ln.Close() })
	return p
}

// Addr is the port's address, as host:port.
func (p *Port) Addr() string { return p.ln.Addr().String() }

// Listener returns the listener of one run of a server: it accepts the
// port's connections until it is closed (http.Server.Close closes it), and
// the port drops them again from then on.
func (p *Port) Listener() net.Listener {
	s := &served{port: p, conns: make(chan net.Conn), done: make(chan struct{})}
	p.mu.Lock()
	p.serving = s
	p.mu.Unlock()
	return s
}

// accept hands each connection to the running server, or drops it.
func (p *Port) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		s := p.serving
		p.mu.Unlock()
		if s == nil {
			c.Close()
			continue
		}
		select {
		case s.conns <- c:
		case <-s.done:
			c.Close()
		}
	}
}

// served is the listener of one run of the server.
type served struct {
	port  *Port
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (s *served) Accept() (net.Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	case <-s.done:
		return nil, net.ErrClosed
	}
}

func (s *served) Close() error {
	s.once.Do(func() {
		close(s.done)
		s.port.mu.Lock()
		if s.port.serving == s {
			s.port.serving = nil
		}
		s.port.mu.Unlock()
	})
	return nil
}

func (s *served) Addr() net.Addr { return s.port.ln.Addr() }

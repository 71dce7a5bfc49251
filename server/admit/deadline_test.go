package admit

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestWriteDeadline: a client that asks for a large answer and never reads it
// cannot hold the handler: its writes fail once the deadline passes. A
// stream's handler is not bounded: it writes after the deadline and its client
// reads everything.
func TestWriteDeadline(t *testing.T) {
	const deadline = 100 * time.Millisecond
	done := make(chan error, 2)
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for range 4096 { // 256 MiB: far more than the socket buffers hold
			if _, err := w.Write(chunk); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		io.WriteString(w, "first\n")
		rc.Flush()
		time.Sleep(3 * deadline) // past the deadline a plain request would have
		_, err := io.WriteString(w, "second\n")
		if err == nil {
			err = rc.Flush()
		}
		done <- err
	})
	stream := func(r *http.Request) bool { return r.URL.Path == "/stream" }
	h := startHall(t, Options{}, WriteDeadline(mux, deadline, stream))

	// The client that does not read.
	c := h.dial("127.0.0.2")
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: hall\r\n\r\n")
	select {
	case err := <-done:
		var ne net.Error
		if err == nil || !(strings.Contains(err.Error(), "timeout") || (errors.As(err, &ne) && ne.Timeout())) {
			t.Fatalf("handler of a client that never reads: %v, want a write timeout", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the handler of a client that never reads is still writing after a minute")
	}

	// The stream.
	s := h.dial("127.0.0.3")
	io.WriteString(s, "GET /stream HTTP/1.1\r\nHost: hall\r\n\r\n")
	s.SetReadDeadline(time.Now().Add(60 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(s), nil)
	if err != nil {
		t.Fatal(err)
	}
	body := bufio.NewReader(resp.Body)
	for _, want := range []string{"first\n", "second\n"} {
		line, err := body.ReadString('\n')
		if line != want {
			t.Fatalf("stream: got %q (%v), want %q", line, err, want)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("stream handler: %v", err)
	}
}

// TestNoDeadlineWithoutAWriter: a zero deadline, or a writer without
// deadlines (a recorder), leaves the handler alone.
func TestNoDeadlineWithoutAWriter(t *testing.T) {
	called := 0
	h := WriteDeadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called++ }), time.Second,
		func(*http.Request) bool { return false })
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, &http.Request{Method: "GET"})
	WriteDeadline(h, 0, nil).ServeHTTP(rec, &http.Request{Method: "GET"})
	if called != 2 {
		t.Fatalf("handler called %d times, want 2", called)
	}
}

type recorder struct{ header http.Header }

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(int)             {}

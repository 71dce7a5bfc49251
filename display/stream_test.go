package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"hallq/server/eventlog"
	"hallq/server/queue"
	"hallq/server/wire"
)

// chained encodes events as the server publishes them, chained from the
// genesis.
func chained(t *testing.T, evs []queue.Event) []eventlog.Record {
	t.Helper()
	ch, err := eventlog.NewChain(0, eventlog.GenesisHash)
	if err != nil {
		t.Fatal(err)
	}
	var recs []eventlog.Record
	for _, ev := range evs {
		data, err := json.Marshal(ev.Data)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ch.Next(ev.Type, ev.Time, data)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs
}

// fakeServer serves the parts of the hallq API a display uses: the hall
// description and the event stream of a log the test controls.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu     sync.Mutex
	hall   *wire.Hall
	raws   [][]byte
	hashes []string
	grew   chan struct{} // closed when the log grows
	afters []uint64      // after of each stream
	now    time.Time     // heartbeat time; zero for the real time
	photo  []byte        // the PNG served as window vip's card photo
}

func newFakeServer(t *testing.T, hall *wire.Hall) *fakeServer {
	f := &fakeServer{t: t, hall: hall, grew: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/hall", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		json.NewEncoder(w).Encode(f.hall)
	})
	mux.HandleFunc("GET /api/v1/devices/me", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"id":"display-vip","kind":"display","name":"VIP desk","window":"vip"}`)
	})
	mux.HandleFunc("GET /api/v1/ws", f.stream)
	mux.HandleFunc("GET /api/v1/windows/vip/photo", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.photo == nil {
			http.Error(w, `{"error":{"code":"ENOTFOUND","message":"no photo"}}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(f.photo)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// add appends records to the log.
func (f *fakeServer) add(recs ...eventlog.Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range recs {
		f.raws = append(f.raws, r.Raw)
		f.hashes = append(f.hashes, r.Hash)
	}
	close(f.grew)
	f.grew = make(chan struct{})
}

// streams returns the after of every stream opened.
func (f *fakeServer) streams() []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]uint64(nil), f.afters...)
}

func (f *fakeServer) stream(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	f.mu.Lock()
	f.afters = append(f.afters, after)
	n := uint64(len(f.raws))
	f.mu.Unlock()
	if after > n {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		fmt.Fprintf(w, `{"error":{"code":"ECONFLICT","message":"after %d is beyond the last event of the log, %d"}}`, after, n)
		return
	}
	ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	sent := after
	for {
		f.mu.Lock()
		raws, grew, hash := f.raws[sent:], f.grew, eventlog.GenesisHash
		if len(f.hashes) > 0 {
			hash = f.hashes[len(f.hashes)-1]
		}
		now := f.now
		f.mu.Unlock()
		for _, raw := range raws {
			if ws.WriteMessage(websocket.TextMessage, raw) != nil {
				return
			}
			sent++
		}
		if now.IsZero() {
			now = time.Now()
		}
		hb := fmt.Sprintf(`{"type":"heartbeat","seq":%d,"hash":%q,"time":%q}`, sent, hash, now.UTC().Format(time.RFC3339Nano))
		if ws.WriteMessage(websocket.TextMessage, []byte(hb)) != nil {
			return
		}
		select {
		case <-grew:
		case <-gone:
			return
		case <-time.After(time.Second):
		}
	}
}

// waitUntil polls cond until it holds, failing after a generous deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/federation"
	"hallq/server/federation/natstest"
	"hallq/server/hall"
	"hallq/server/hall/halltest"
	"hallq/server/wire"
)

// openHall opens the demo hall as hall id, federating through url.
func openHall(t *testing.T, dir, id, url string) *hall.Hall {
	t.Helper()
	cfg, _, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Hall.ID = id
	cfg.Federation = config.Federation{URLs: []string{url}, Prefix: "city", Replicas: 1}
	h, err := hall.Open(cfg, dir, nil, hall.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func kiosk(t *testing.T) string {
	t.Helper()
	cfg, _, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range cfg.Devices {
		if d.Kind == config.KindKiosk {
			return d.ID
		}
	}
	t.Fatal("the demo hall has no kiosk")
	return ""
}

func issue(t *testing.T, h *hall.Hall, kioskID string, n int, tag string) {
	t.Helper()
	for i := range n {
		if _, err := h.Engine.Issue(context.Background(), engine.IssueInput{Kiosk: kioskID, Service: "general",
			IdempotencyKey: fmt.Sprintf("%s-%d", tag, i)}); err != nil {
			t.Fatalf("issue %s-%d: %v", tag, i, err)
		}
	}
}

// waitStored waits until the hall's stream confirmed the hall's head.
func waitStored(t *testing.T, h *hall.Hall) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		head, _ := h.Engine.Head()
		s := h.Federation.Status()
		if s.Stored == head && s.Head == head {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stream holds %d of the hall's %d events (err %v)", s.Stored, head, s.Err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkStream checks that the hall's stream holds exactly the hall's log:
// message n is event n, byte for byte.
func checkStream(t *testing.T, url string, h *hall.Hall) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, federation.Stream("city", h.Engine.Hall().ID))
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := h.Engine.Head()
	if info.State.Msgs != head || info.State.FirstSeq != 1 || info.State.LastSeq != head {
		t.Fatalf("stream: %d messages %d..%d, want %d messages 1..%d", info.State.Msgs, info.State.FirstSeq, info.State.LastSeq, head, head)
	}
	for seq := uint64(1); seq <= head; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
		ev, err := h.Store.Event(seq)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.Data, ev.Raw) {
			t.Fatalf("message %d is %s, want event %d %s", seq, m.Data, seq, ev.Raw)
		}
	}
}

func health(t *testing.T, h *hall.Hall) wire.Health {
	t.Helper()
	rec := httptest.NewRecorder()
	h.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/healthz: %d %s", rec.Code, rec.Body)
	}
	var hl wire.Health
	if err := json.Unmarshal(rec.Body.Bytes(), &hl); err != nil {
		t.Fatal(err)
	}
	if hl.Federation == nil {
		t.Fatalf("/healthz has no federation: %s", rec.Body)
	}
	return hl
}

// TestPublisherCopiesThroughOutagesAndRestarts: the hall issues while its link
// to NATS is cut, the backlog goes out when it returns, a restarted hall
// resumes where the stream ends, and the stream is the log exactly.
func TestPublisherCopiesThroughOutagesAndRestarts(t *testing.T) {
	c, err := natstest.Start(t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown()
	relay := halltest.NewRelay(t)
	relay.To(strings.TrimPrefix(c.URL(0), "nats://"))
	link := "nats://" + relay.Addr()

	dir := t.TempDir()
	h := openHall(t, dir, "h1", link)
	k := kiosk(t)
	issue(t, h, k, 20, "a")
	waitStored(t, h)
	checkStream(t, c.URL(0), h)
	if hl := health(t, h); !hl.Federation.Connected || hl.Federation.Lag != 0 || hl.Federation.Stored != hl.Seq {
		t.Errorf("healthz after the copy: %+v, head %d", *hl.Federation, hl.Seq)
	}

	relay.To("") // the city link drops: the hall goes on issuing
	issue(t, h, k, 30, "b")
	// The hall may commit a checkpoint of its own meanwhile: the lag counts
	// at least to the head /healthz reports and at most to the head after.
	if hl := health(t, h); hl.Federation.Lag == 0 || hl.Federation.Stored+hl.Federation.Lag < hl.Seq {
		t.Errorf("healthz while cut: %+v, head %d: want the lag of the events issued meanwhile", *hl.Federation, hl.Seq)
	} else if head, _ := h.Engine.Head(); hl.Federation.Stored+hl.Federation.Lag > head {
		t.Errorf("healthz while cut: %+v, head %d: the lag counts events the log does not hold", *hl.Federation, head)
	}
	rec := httptest.NewRecorder()
	h.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "hallq_federation_lag_events") {
		t.Errorf("/metrics has no hallq_federation_lag_events")
	}
	relay.To(strings.TrimPrefix(c.URL(0), "nats://"))
	waitStored(t, h)
	checkStream(t, c.URL(0), h)

	// A restart resumes from the stream's last event.
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	h = openHall(t, dir, "h1", link)
	issue(t, h, k, 10, "c")
	waitStored(t, h)
	checkStream(t, c.URL(0), h)
	h.Close()

	// A hall whose log is not the stream's (a fresh data directory under the
	// same ID) sends nothing and says so.
	other := openHall(t, t.TempDir(), "h1", link)
	defer other.Close()
	deadline := time.Now().Add(60 * time.Second)
	for s := other.Federation.Status(); !errors.Is(s.Err, federation.ErrDiverged); s = other.Federation.Status() {
		if time.Now().After(deadline) {
			t.Fatalf("a hall with another log: status %+v, want ErrDiverged", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if hl := health(t, other); !strings.Contains(hl.Federation.Error, "differs") {
		t.Errorf("healthz of a diverged hall: %+v", *hl.Federation)
	}
}

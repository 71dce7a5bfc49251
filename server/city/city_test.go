package city_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"hallq/server/audit"
	"hallq/server/audit/audittest"
	"hallq/server/city"
	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/federation"
	"hallq/server/federation/natstest"
	"hallq/server/hall"
	"hallq/server/hall/halltest"
)

const prefix = "city"

// cluster is the city's 3-node NATS cluster, started once for the package.
var cluster *natstest.Cluster

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hallq-city-nats-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cluster, err = natstest.Start(dir, 3)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	cluster.Shutdown()
	os.Exit(code)
}

// testHall is a hall server in the test process whose link to the city runs
// through a relay the test cuts.
type testHall struct {
	*hall.Hall
	relay *halltest.Relay
	node  string // the NATS node the relay leads to
	kiosk string
	n     int
	once  sync.Once
}

// close stops the hall's server, once.
func (h *testHall) close() { h.once.Do(func() { h.Close() }) }

func startHall(t *testing.T, id string, node int) *testHall {
	t.Helper()
	return startHallWith(t, id, node, nil)
}

// startHallWith starts a hall whose configuration adjust changes first.
func startHallWith(t *testing.T, id string, node int, adjust func(*config.Config)) *testHall {
	t.Helper()
	cfg, _, err := config.Demo()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Hall.ID = id
	cfg.Info.PublicURL = "https://" + id + ".example.gov.cn"
	th := &testHall{relay: halltest.NewRelay(t), node: strings.TrimPrefix(cluster.URL(node), "nats://")}
	th.relay.To(th.node)
	cfg.Federation = config.Federation{URLs: []string{"nats://" + th.relay.Addr()}, Prefix: prefix, Replicas: 3}
	if adjust != nil {
		adjust(cfg)
	}
	for _, d := range cfg.Devices {
		if d.Kind == config.KindKiosk {
			th.kiosk = d.ID
		}
	}
	if th.Hall, err = hall.Open(cfg, t.TempDir(), nil, hall.Options{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(th.close)
	return th
}

func (h *testHall) issue(t *testing.T, n int) {
	t.Helper()
	for range n {
		h.n++
		in := engine.IssueInput{Kiosk: h.kiosk, Service: "general", IdempotencyKey: fmt.Sprintf("k%d", h.n)}
		if _, err := h.Engine.Issue(context.Background(), in); err != nil {
			t.Fatalf("issue %d: %v", h.n, err)
		}
	}
}

func startPortal(t *testing.T) *city.Portal {
	t.Helper()
	p, err := city.Start(city.Options{URLs: strings.Split(cluster.URLs(), ","), Prefix: prefix, Discover: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// waitCaughtUp waits until every portal has read every hall up to its head.
func waitCaughtUp(t *testing.T, portals []*city.Portal, halls []*testHall) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		behind := ""
		for i, p := range portals {
			prog := p.Progress()
			for _, h := range halls {
				head, _ := h.Engine.Head()
				if got := prog[h.Engine.Hall().ID]; got.Seq != head {
					behind = fmt.Sprintf("portal %d has hall %s at %d of %d (publisher: %+v)", i, h.Engine.Hall().ID, got.Seq, head, h.Federation.Status())
				}
			}
		}
		if behind == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(behind)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// checkExact checks that each portal read each hall exactly once and in
// order, verified, and that the hall's stream is its log byte for byte.
func checkExact(t *testing.T, portals []*city.Portal, halls []*testHall) {
	t.Helper()
	nc, err := nats.Connect(cluster.URLs())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, h := range halls {
		id := h.Engine.Hall().ID
		for i, p := range portals {
			if got := p.Progress()[id]; got.Duplicates != 0 || got.Gaps != 0 || got.Flagged {
				t.Errorf("portal %d, hall %s: %+v, want no duplicate, no gap, not flagged", i, id, got)
			}
		}
		st, err := js.Stream(ctx, federation.Stream(prefix, id))
		if err != nil {
			t.Fatal(err)
		}
		head, _ := h.Engine.Head()
		if s := st.CachedInfo().State; s.Msgs != head || s.LastSeq != head {
			t.Errorf("hall %s: stream holds %d messages to %d, the log %d events", id, s.Msgs, s.LastSeq, head)
		}
		recs, err := h.Store.EventsAfter(0, int(head))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			m, err := st.GetMsg(ctx, r.Seq)
			if err != nil || !bytes.Equal(m.Data, r.Raw) {
				t.Fatalf("hall %s: stream message %d is not event %d (%v)", id, r.Seq, r.Seq, err)
			}
		}
	}
}

// TestCityFollowsHallsThroughFailures runs three halls and two portals on the
// 3-node cluster: every event reaches both portals once and in order, while
// a NATS node is down. (A hall's link cut for a minute:
// TestCityCatchesUpAfterAMinuteCut.)
func TestCityFollowsHallsThroughFailures(t *testing.T) {
	halls := []*testHall{startHall(t, "h1", 0), startHall(t, "h2", 1), startHall(t, "h3", 2)}
	portals := []*city.Portal{startPortal(t), startPortal(t)}
	for _, h := range halls {
		h.issue(t, 20)
	}
	waitCaughtUp(t, portals, halls)
	checkExact(t, portals, halls)

	// The page data is the halls' own boards.
	c := portals[1].City()
	if c.Totals.Halls != 3 || c.Totals.Flagged != 0 {
		t.Fatalf("totals %+v, want 3 halls, none flagged", c.Totals)
	}
	waiting := 0
	for _, h := range halls {
		for _, s := range h.Engine.Board().Services {
			waiting += s.Waiting
		}
	}
	if c.Totals.Waiting != waiting || c.Totals.IssuedToday != 60 {
		t.Errorf("totals %+v, want %d waiting and 60 issued as the halls' boards say", c.Totals, waiting)
	}

	// One NATS node stops while the halls issue (h2's link leads to it, so
	// h2 waits for it); nothing is lost.
	cluster.Stop(1)
	for _, h := range halls {
		h.issue(t, 15)
	}
	if err := cluster.Restart(1); err != nil {
		t.Fatal(err)
	}
	waitCaughtUp(t, portals, halls)
	checkExact(t, portals, halls)

	// The page and the API show the halls with links to their own pages.
	srv := httptest.NewServer(portals[0].Handler())
	defer srv.Close()
	body := get(t, srv.URL+"/")
	for _, want := range []string{"全市政务大厅排队", "City service halls", "https://h2.example.gov.cn/board", "政务服务中心"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if body := get(t, srv.URL+"/api/v1/halls/h3"); !strings.Contains(body, `"id":"h3"`) {
		t.Errorf("/api/v1/halls/h3: %s", body)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// TestCityFlagsATamperedLog: a stream whose events were edited (by whoever
// holds write access to it) is flagged on the portal, not shown as sound.
func TestCityFlagsATamperedLog(t *testing.T) {
	key := audittest.Key(7)
	l, err := audittest.Generate(audittest.Options{Events: 300, Seed: 3, Checkpoint: 50, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := audittest.Tamperings(l, key)
	if err != nil {
		t.Fatal(err)
	}
	edited := ts[0]
	if edited.Name != "event edited" {
		t.Fatalf("first tampering is %q", edited.Name)
	}
	nc, err := nats.Connect(cluster.URLs())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	publish := func(hallID string, raws [][]byte) {
		if _, err := js.CreateStream(ctx, federation.StreamConfig(prefix, hallID, "", 3)); err != nil {
			t.Fatal(err)
		}
		for i, raw := range raws {
			if _, err := js.Publish(ctx, federation.Subject(prefix, hallID), raw, jetstream.WithExpectLastSequence(uint64(i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish("sound", l.Raws)
	publish("forged", edited.Raws)

	p := startPortal(t)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		prog := p.Progress()
		if prog["sound"].Seq == uint64(len(l.Raws)) && prog["forged"].Seq == uint64(len(edited.Raws)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("portal progress %+v", prog)
		}
		time.Sleep(25 * time.Millisecond)
	}
	c := p.City()
	byID := map[string]city.Hall{}
	for _, h := range c.Halls {
		byID[h.ID] = h
	}
	if h := byID["sound"]; h.Flagged || h.Unverifiable != "" || h.SignedSeq == 0 {
		t.Errorf("the sound log: flagged %v %v %q, signed to %d; want verified with checkpoints", h.Flagged, h.Flags, h.Unverifiable, h.SignedSeq)
	}
	f := byID["forged"]
	if !f.Flagged || len(f.Flags) == 0 || f.Flags[0].Kind != audit.KindChain || f.Flags[0].Seq != edited.WantSeq {
		t.Fatalf("the forged log: flagged %v %+v, want a chain flag at %d", f.Flagged, f.Flags, edited.WantSeq)
	}
	if c.Halls[0].ID != "forged" {
		t.Errorf("the flagged hall is shown at %s's place, want first", c.Halls[0].ID)
	}
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	if body := get(t, srv.URL+"/"); !strings.Contains(body, "未通过校验") || !strings.Contains(body, "failed verification") {
		t.Errorf("the page does not flag the forged hall")
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"hallq/server/eventlog"
	"hallq/server/federation"
	"hallq/server/federation/natstest"
	"hallq/server/hall/halltest"
	"hallq/server/wire"
)

// TestKilledHallResumesReplicationWithoutDuplicates kills the server process
// with SIGKILL while it issues and copies its log to a 3-node cluster, three
// times: after each restart the copy resumes where the stream ends, and in
// the end the stream is the hall's log, every event once and in order.
func TestKilledHallResumesReplicationWithoutDuplicates(t *testing.T) {
	bin := buildServer(t)
	c, err := natstest.Start(t.TempDir(), 3)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown()
	cfgPath, token := writeLoadConfig(t)
	var urls []string
	for _, u := range strings.Split(c.URLs(), ",") {
		urls = append(urls, fmt.Sprintf("%q", u))
	}
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\n[federation]\nurls = [%s]\nsubject_prefix = \"city\"\nreplicas = 3\n", strings.Join(urls, ", "))
	f.Close()

	dataDir := t.TempDir()
	for round := range 3 {
		child := startChild(t, bin, dataDir, "-config", cfgPath)
		go func() {
			time.Sleep(time.Duration(300+200*round) * time.Millisecond)
			child.kill()
		}()
		acks, _ := issueUntilDead(child, token, round, func() {})
		t.Logf("round %d: %d tickets acknowledged before SIGKILL", round, len(acks))
	}
	child := startChild(t, bin, dataDir, "-config", cfgPath)
	var h wire.Health
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(child.base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		h = wire.Health{}
		json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if h.Federation != nil && h.Federation.Stored == h.Seq && h.Federation.Lag == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthz: %+v %+v, want the stream at the head", h, h.Federation)
		}
		time.Sleep(50 * time.Millisecond)
	}

	nc, err := nats.Connect(c.URLs())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := js.Stream(ctx, federation.Stream("city", "load"))
	if err != nil {
		t.Fatal(err)
	}
	if s := st.CachedInfo().State; s.Msgs != h.Seq || s.FirstSeq != 1 || s.LastSeq != h.Seq {
		t.Fatalf("stream: %d messages %d..%d, the log %d events", s.Msgs, s.FirstSeq, s.LastSeq, h.Seq)
	}
	raws := halltest.FetchLog(t, child.base)
	if uint64(len(raws)) != h.Seq {
		t.Fatalf("/log.jsonl has %d events, healthz says %d", len(raws), h.Seq)
	}
	for i, raw := range raws {
		m, err := st.GetMsg(ctx, uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(m.Data, raw) {
			t.Fatalf("stream message %d is not the hall's event %d", i+1, i+1)
		}
	}
	if _, err := eventlog.Verify(eventlog.GenesisHash, raws); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d events copied once each across 3 kills", h.Seq)
}

package city_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"hallq/server/city"
	"hallq/server/config"
	"hallq/server/federation"
	"hallq/server/federation/natstest"
	"hallq/server/hall"
)

// block returns the text of the configuration block that starts with name
// and an opening brace, braces included.
func block(t *testing.T, conf, name string) string {
	t.Helper()
	loc := regexp.MustCompile(`(?m)^` + name + `\s*\{`).FindStringIndex(conf)
	if loc == nil {
		t.Fatalf("no %s block", name)
	}
	depth := 0
	for i := loc[1] - 1; i < len(conf); i++ {
		switch conf[i] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return conf[loc[0] : i+1]
			}
		}
	}
	t.Fatalf("the %s block does not end", name)
	return ""
}

type userKey struct{ seed, public string }

func newUserKey(t *testing.T) userKey {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	return userKey{string(seed), pub}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestDeployedPermissions runs the accounts of deploy/nats-city.conf on a
// 3-node cluster and each hall behind a leaf node made from
// deploy/nats-leaf.conf, as a city deploys them: the halls copy their logs
// and answer bookings, the portal reads and books; a hall cannot write into
// another hall's stream nor read its bookings, and the portal cannot write.
func TestDeployedPermissions(t *testing.T) {
	cityConf, err := os.ReadFile("../../deploy/nats-city.conf")
	if err != nil {
		t.Fatal(err)
	}
	leafConf, err := os.ReadFile("../../deploy/nats-leaf.conf")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]userKey{"HALL_H1": newUserKey(t), "HALL_H2": newUserKey(t), "PORTAL": newUserKey(t)}
	accounts := block(t, string(cityConf), "accounts")
	for name, k := range keys {
		accounts = strings.ReplaceAll(accounts, "REPLACE_WITH_"+name+"_NKEY", k.public)
	}
	domain := regexp.MustCompile(`(?m)^\s*domain:\s*(\w+)`).FindStringSubmatch(string(cityConf))
	if domain == nil {
		t.Fatal("nats-city.conf names no JetStream domain")
	}
	leafPorts := []int{freePort(t), freePort(t), freePort(t)}
	c, err := natstest.StartWith(t.TempDir(), 3, func(i int, o *server.Options) {
		if err := o.ProcessConfigString(accounts); err != nil {
			t.Errorf("the accounts of nats-city.conf: %v", err)
		}
		o.JetStreamDomain = domain[1]
		o.LeafNode.Host, o.LeafNode.Port = "127.0.0.1", leafPorts[i]
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown()

	// Each hall's leaf node, from nats-leaf.conf.
	leaf := func(hallID string) *server.Server {
		conf := block(t, string(leafConf), "leafnodes")
		for i, p := range leafPorts {
			conf = strings.ReplaceAll(conf, fmt.Sprintf("tls://n%d.city.example:7422", i+1), fmt.Sprintf("nats://127.0.0.1:%d", p))
		}
		conf = strings.ReplaceAll(conf, "REPLACE_WITH_HALL_H1_SEED", keys["HALL_"+strings.ToUpper(hallID)].seed)
		s, err := natstest.StartServer(fmt.Sprintf("server_name: hall-%s\nlisten: 127.0.0.1:-1\n%s", hallID, conf))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Shutdown)
		deadline := time.Now().Add(time.Minute)
		for s.NumLeafNodes() == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("hall %s's leaf node never reached the city", hallID)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return s
	}
	fedDomain := regexp.MustCompile(`\[federation\] domain = "(\w+)"`).FindStringSubmatch(string(cityConf))
	openHall := func(id, dir string, l *server.Server) *testHall {
		cfg, _, err := config.Demo()
		if err != nil {
			t.Fatal(err)
		}
		bookingHall(100)(cfg)
		cfg.Hall.ID = id
		cfg.Info.PublicURL = "https://" + id + ".example.gov.cn"
		cfg.Federation = config.Federation{URLs: []string{l.ClientURL()}, Prefix: "hallq", Replicas: 3}
		if fedDomain != nil {
			cfg.Federation.Domain = fedDomain[1]
		}
		th := &testHall{}
		if th.Hall, err = hall.Open(cfg, dir, nil, hall.Options{NoSync: true}); err != nil {
			t.Fatal(err)
		}
		for _, d := range cfg.Devices {
			if d.Kind == config.KindKiosk {
				th.kiosk = d.ID
			}
		}
		t.Cleanup(th.close)
		return th
	}
	leaf1, leaf2 := leaf("h1"), leaf("h2")
	h2dir := t.TempDir()
	h1, h2 := openHall("h1", t.TempDir(), leaf1), openHall("h2", h2dir, leaf2)
	h1.issue(t, 10)
	h2.issue(t, 10)
	// A hall that restarts resumes its copy from the stream's last event,
	// which it reads back under its permissions.
	for deadline := time.Now().Add(time.Minute); h2.Federation.Status().Stored < 5; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("hall h2 copied nothing: %+v", h2.Federation.Status())
		}
	}
	h2.close()
	issued := h2.n
	h2 = openHall("h2", h2dir, leaf2)
	h2.n = issued
	h2.issue(t, 5)

	seedFile := filepath.Join(t.TempDir(), "portal.nk")
	if err := os.WriteFile(seedFile, []byte(keys["PORTAL"].seed), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := city.Start(city.Options{URLs: strings.Split(c.URLs(), ","), Prefix: "hallq", NkeySeed: seedFile,
		Discover: 100 * time.Millisecond, BookTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	waitCaughtUp(t, []*city.Portal{p}, []*testHall{h1, h2})
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()

	// What the halls may do works: the copy above, and a booking through
	// the portal, answered by the hall.
	tomorrow := h1.Engine.Hall().Day(time.Now().Add(24 * time.Hour))
	slots, err := h1.Engine.Slots("exit-entry", tomorrow)
	if err != nil {
		t.Fatal(err)
	}
	bookAt := func(hallID string, n int) answer {
		return do(t, "POST", srv.URL+"/api/v1/halls/"+hallID+"/appointments",
			fmt.Sprintf(`{"service":"exit-entry","slot":%q,"id_number":%q}`, slots.Slots[47].ID, residentID(n)), nil)
	}
	if a := bookAt("h1", 1); a.status != http.StatusCreated {
		t.Fatalf("a booking through the portal under the city's permissions: %d %s", a.status, a.body)
	}

	// A hall's server, on its leaf node, tries another hall's stream and
	// bookings.
	intruder, err := nats.Connect(leaf1.ClientURL(), nats.CustomInboxPrefix(federation.InboxPrefix("h1")))
	if err != nil {
		t.Fatal(err)
	}
	defer intruder.Close()
	var mu sync.Mutex
	var overheard []string
	for _, subj := range []string{"hallq.h2.book", "hallq.*.book", "hallq.>", "_INBOX.>", "_INBOX_h2.>", "_INBOX_book.>", ">"} {
		if _, err := intruder.Subscribe(subj, func(m *nats.Msg) {
			own := m.Header.Get("Intruder") != ""                       // delivered back within its own leaf node
			own = own || m.Subject == federation.Subject("hallq", "h1") // its own hall's events, on its own leaf node
			if !own && m.Subject != federation.BookSubject("hallq", "h1") && !strings.HasPrefix(m.Subject, federation.InboxPrefix("h1")+".") {
				mu.Lock()
				overheard = append(overheard, m.Subject)
				mu.Unlock()
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	intruder.Flush()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ijs, err := jetstream.NewWithDomain(intruder, cfgDomain(fedDomain))
	if err != nil {
		t.Fatal(err)
	}
	h2head, _ := h2.Engine.Head()
	forged, _ := h2.Store.Event(h2head)
	short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
	mark := func(subject string, data []byte) *nats.Msg {
		return &nats.Msg{Subject: subject, Data: data, Header: nats.Header{"Intruder": {"h1"}}}
	}
	if _, err := ijs.PublishMsg(short, mark(federation.Subject("hallq", "h2"), forged.Raw)); err == nil {
		t.Errorf("hall h1 published into hall h2's stream")
	}
	cancelShort()
	intruder.PublishMsg(mark(federation.Subject("hallq", "h2"), forged.Raw)) // no answer awaited
	// Nor book at another hall in an applicant's name.
	if m, err := intruder.RequestMsg(mark(federation.BookSubject("hallq", "h2"),
		[]byte(`{"address":"192.0.2.1","body":{"service":"exit-entry","slot":"x","id_number":"1"}}`)), 2*time.Second); err == nil {
		t.Errorf("hall h1 sent a booking to hall h2, answered %s", m.Data)
	}
	for _, api := range []string{"$JS.API.STREAM.DELETE.HALLQ_h2", "$JS.API.STREAM.PURGE.HALLQ_h2", "$JS.API.STREAM.DELETE.HALLQ_h1",
		"$JS.API.STREAM.MSG.DELETE.HALLQ_h2", "$JS.API.STREAM.UPDATE.HALLQ_h2", "$JS.API.STREAM.CREATE.HALLQ_h9"} {
		if m, err := intruder.RequestMsg(mark(jsAPI(fedDomain, api), []byte(`{}`)), 2*time.Second); err == nil {
			t.Errorf("hall h1's %s was answered: %s", api, m.Data)
		}
	}
	if a := bookAt("h2", 2); a.status != http.StatusCreated {
		t.Fatalf("a booking at h2: %d %s", a.status, a.body)
	}

	// The portal tries to write.
	var perr sync.Map
	pnc, err := nats.Connect(c.URLs(), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		perr.Store(err.Error(), true)
	}), mustNkey(t, seedFile))
	if err != nil {
		t.Fatal(err)
	}
	defer pnc.Close()
	pnc.Publish(federation.Subject("hallq", "h1"), forged.Raw)
	pjs, _ := jetstream.New(pnc)
	short, cancelShort = context.WithTimeout(ctx, 2*time.Second)
	if _, err := pjs.Publish(short, federation.Subject("hallq", "h1"), forged.Raw); err == nil {
		t.Errorf("the portal published into hall h1's stream")
	}
	cancelShort()
	for _, api := range []string{"$JS.API.STREAM.DELETE.HALLQ_h1", "$JS.API.STREAM.PURGE.HALLQ_h1", "$JS.API.STREAM.CREATE.HALLQ_x",
		"$JS.API.STREAM.UPDATE.HALLQ_h1", "$JS.API.STREAM.MSG.DELETE.HALLQ_h1"} {
		if m, err := pnc.Request(api, []byte(`{}`), 2*time.Second); err == nil {
			t.Errorf("the portal's %s was answered: %s", api, m.Data)
		}
	}
	// The server refuses the subscription asynchronously; checked below.
	pnc.SubscribeSync(federation.BookSubject("hallq", "h1"))
	pnc.Flush()

	// Nothing was written, nobody overheard.
	for _, h := range []*testHall{h1, h2} {
		id := h.Engine.Hall().ID
		head, _ := h.Engine.Head()
		st, err := pjs.Stream(ctx, federation.Stream("hallq", id))
		if err != nil {
			t.Fatal(err)
		}
		if s := st.CachedInfo().State; s.LastSeq != head || s.Msgs != head {
			t.Errorf("hall %s's stream holds %d messages to %d, its log %d", id, s.Msgs, s.LastSeq, head)
		}
	}
	waitCaughtUp(t, []*city.Portal{p}, []*testHall{h1, h2})
	if prog := p.Progress(); prog["h1"].Flagged || prog["h2"].Flagged {
		t.Errorf("a hall was flagged: %+v", prog)
	}
	mu.Lock()
	if len(overheard) > 0 {
		t.Errorf("hall h1 overheard %v", overheard)
	}
	mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for {
		violation := false
		perr.Range(func(k, _ any) bool {
			violation = violation || strings.Contains(k.(string), "Permissions Violation for Subscription to \"hallq.h1.book\"")
			return true
		})
		if violation {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the portal's subscription to hall h1's bookings was not refused")
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func cfgDomain(m []string) string {
	if m == nil {
		return ""
	}
	return m[1]
}

// jsAPI puts a JetStream API subject in the domain the halls name.
func jsAPI(m []string, subject string) string {
	if m == nil {
		return subject
	}
	return strings.Replace(subject, "$JS.API.", "$JS."+m[1]+".API.", 1)
}

func mustNkey(t *testing.T, seedFile string) nats.Option {
	t.Helper()
	o, err := nats.NkeyOptionFromSeed(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

package city_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"hallq/server/city"
	"hallq/server/config"
	"hallq/server/federation"
	"hallq/server/queue"
)

// bookPrefix keeps the streams of the booking test apart from the others'.
const bookPrefix = "book"

// residentID returns the n-th valid resident ID number of a test series.
func residentID(n int) string {
	body := fmt.Sprintf("44030119850704%03d", n%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

// bookingHall makes the demo hall's appointment service take 3 places every
// half hour of every day, with the hall's per-address booking limit.
func bookingHall(perAddress int) func(*config.Config) {
	return func(c *config.Config) {
		c.Federation.Prefix = bookPrefix
		c.Limits.BookingsPerAddressPerMinute = perAddress
		c.Hall.DayStart = 0
		for i := range c.Hall.Services {
			if a := c.Hall.Services[i].Appointments; a != nil {
				a.Hours, a.Capacity, a.WalkInShare, a.CancelBefore = []queue.Hours{{Open: 0, Close: 24 * time.Hour}}, 3, 0, 0
			}
		}
	}
}

type answer struct {
	status int
	body   string
}

func (a answer) code() string {
	var e struct{ Error struct{ Code string } }
	json.Unmarshal([]byte(a.body), &e)
	return e.Error.Code
}

func do(t *testing.T, method, url, body string, header http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b)}
}

// portalSlot waits until the portal shows the slot released with want
// places left.
func portalSlot(t *testing.T, url, date, slot string, want int) queue.SlotView {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		a := do(t, "GET", url+"/api/v1/halls/b1/slots?service=exit-entry&date="+date, "", nil)
		var hs city.HallSlots
		if a.status == http.StatusOK && json.Unmarshal([]byte(a.body), &hs) == nil && len(hs.Services) == 1 {
			for _, s := range hs.Services[0].Slots {
				if s.ID == slot && s.Released && s.Remaining == want {
					return s
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the portal never showed slot %s with %d places: %d %s", slot, want, a.status, a.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBookingThroughThePortal books through the portal on the 3-node
// cluster: the booking takes the hall's own path and lands in its log, the
// portal's count follows, a hall that cannot answer is named in a 503, the
// portal limits each address, and the document number travels in no message
// but the request to its hall.
func TestBookingThroughThePortal(t *testing.T) {
	// Every message of the city's account, from the start.
	spy, err := nats.Connect(cluster.URLs())
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Close()
	var mu sync.Mutex
	var seen []*nats.Msg
	if _, err := spy.Subscribe(">", func(m *nats.Msg) { mu.Lock(); seen = append(seen, m); mu.Unlock() }); err != nil {
		t.Fatal(err)
	}
	spy.Flush()

	b1 := startHallWith(t, "b1", 0, bookingHall(6))
	b2 := startHallWith(t, "b2", 1, bookingHall(100))
	p, err := city.Start(city.Options{URLs: strings.Split(cluster.URLs(), ","), Prefix: bookPrefix, Discover: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	waitCaughtUp(t, []*city.Portal{p}, []*testHall{b1, b2})

	tomorrow := b1.Engine.Hall().Day(time.Now().Add(24 * time.Hour))
	slots, err := b1.Engine.Slots("exit-entry", tomorrow)
	if err != nil || len(slots.Slots) != 48 {
		t.Fatalf("the hall's slots of %s: %v %d", tomorrow, err, len(slots.Slots))
	}
	slot := slots.Slots[47].ID // the last of the day: it does not start during the test
	portalSlot(t, srv.URL, tomorrow, slot, 3)

	alice := residentID(1)
	book := func(id, key string) answer {
		return do(t, "POST", srv.URL+"/api/v1/halls/b1/appointments",
			fmt.Sprintf(`{"service":"exit-entry","slot":%q,"id_number":%q,"idempotency_key":%q}`, slot, id, key), nil)
	}
	a := book(alice, "k1")
	var got struct {
		Appointment struct {
			Code, Document, Status string
			StatusURL              string `json:"status_url"`
		} `json:"appointment"`
	}
	json.Unmarshal([]byte(a.body), &got)
	b := got.Appointment
	if a.status != http.StatusCreated || b.Status != "booked" || b.Document != alice[:3]+strings.Repeat("*", 13)+alice[16:] ||
		!strings.HasPrefix(b.StatusURL, "https://b1.example.gov.cn/a/") {
		t.Fatalf("book through the portal: %d %s", a.status, a.body)
	}
	// It is in the hall's log, and the portal's count follows.
	if s, _ := b1.Engine.Slots("exit-entry", tomorrow); s.Slots[47].Booked != 1 {
		t.Fatalf("the hall's slot after the booking: %+v", s.Slots[47])
	}
	portalSlot(t, srv.URL, tomorrow, slot, 2)
	// A retry with the same key is the same booking, as at the hall.
	if again := book(alice, "k1"); again.status != http.StatusOK || !strings.Contains(again.body, b.Code) {
		t.Fatalf("the same request again: %d %s", again.status, again.body)
	}
	// The hall's refusals come back as the hall gives them.
	if bad := book("123", "k2"); bad.status != http.StatusBadRequest || bad.code() != "EINVALID" || !strings.Contains(bad.body, "message_zh") {
		t.Fatalf("a bad document: %d %s", bad.status, bad.body)
	}
	if other := book(alice, "k3"); other.status != http.StatusConflict || other.code() != "ELIMIT" {
		t.Fatalf("a second booking of the same person: %d %s", other.status, other.body)
	}
	// The hall's own limit per address holds for the applicant's address the
	// portal forwards (the portal's own limit is higher).
	for i := 0; ; i++ {
		r := book(residentID(100+i), fmt.Sprintf("r%d", i))
		if r.status == http.StatusTooManyRequests && r.code() == "ERATE" && strings.Contains(r.body, "预约请求过于频繁") {
			break
		}
		if i == 30 {
			t.Fatalf("the hall's per-address limit never answered: %d %s", r.status, r.body)
		}
	}
	if s, _ := b1.Engine.Slots("exit-entry", tomorrow); s.Slots[47].Booked > 3 {
		t.Fatalf("the slot took more than its places: %+v", s.Slots[47])
	}

	// No byte the portal serves holds the document number; on NATS only the
	// request to the hall does.
	for _, path := range []string{"/", "/api/v1/city", "/api/v1/halls/b1", "/api/v1/halls/b1/slots?date=" + tomorrow} {
		if body := get(t, srv.URL+path); strings.Contains(body, alice) {
			t.Errorf("the portal's %s holds the document number", path)
		}
	}
	spy.Flush()
	mu.Lock()
	requests := 0
	for _, m := range seen {
		if !strings.Contains(string(m.Data), alice) {
			continue
		}
		if m.Subject != federation.BookSubject(bookPrefix, "b1") {
			t.Errorf("the document number went out on %s: %.200s", m.Subject, m.Data)
		}
		requests++
	}
	if requests != 3 {
		t.Errorf("the document number was in %d requests to the hall, want 3 (the spy saw %d messages)", requests, len(seen))
	}
	mu.Unlock()
	// The spy would answer for halls that are down.
	spy.Close()

	// A hall that is down: the portal says so, naming it, at once.
	b2.close()
	down := do(t, "POST", srv.URL+"/api/v1/halls/b2/appointments",
		fmt.Sprintf(`{"service":"exit-entry","slot":%q,"id_number":%q}`, strings.Replace(slot, "b1", "b2", 1), residentID(7)), nil)
	if down.status != http.StatusServiceUnavailable || down.code() != "EUNAVAILABLE" || !strings.Contains(down.body, "b2") ||
		!strings.Contains(down.body, "未作预约") {
		t.Fatalf("booking at a hall that is down: %d %s", down.status, down.body)
	}
	// A hall that takes the request and does not answer in time: the portal
	// does not guess either way.
	mute := startMuteHall(t, "b3")
	p2, err := city.Start(city.Options{URLs: strings.Split(cluster.URLs(), ","), Prefix: bookPrefix, Discover: 100 * time.Millisecond,
		BookTimeout: 300 * time.Millisecond, BookPerMinute: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	srv2 := httptest.NewServer(p2.Handler())
	defer srv2.Close()
	deadline := time.Now().Add(time.Minute)
	for p2.Progress()["b3"].Seq == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	slow := do(t, "POST", srv2.URL+"/api/v1/halls/b3/appointments", `{"service":"exit-entry","slot":"x","id_number":"1"}`, nil)
	if slow.status != http.StatusServiceUnavailable || !strings.Contains(slow.body, "b3") || !strings.Contains(slow.body, "idempotency_key") {
		t.Fatalf("a hall that does not answer: %d %s", slow.status, slow.body)
	}
	if mute.Load() != 1 {
		t.Errorf("the mute hall got %d requests, want 1", mute.Load())
	}
	// The portal's own limit per address (2 a minute here), which a forged
	// X-Forwarded-For does not get round.
	do(t, "POST", srv2.URL+"/api/v1/halls/b3/appointments", `{}`, nil)
	limited := do(t, "POST", srv2.URL+"/api/v1/halls/b3/appointments", `{}`, http.Header{"X-Forwarded-For": {"203.0.113.9"}})
	if limited.status != http.StatusTooManyRequests || limited.code() != "ERATE" || !strings.Contains(limited.body, "预约请求过于频繁") {
		t.Fatalf("the third booking a minute from one address: %d %s", limited.status, limited.body)
	}
	if mute.Load() != 2 {
		t.Errorf("the mute hall got %d requests, want 2: a refused request reached it", mute.Load())
	}
	// Another site's page may not book through the portal.
	if cross := do(t, "POST", srv.URL+"/api/v1/halls/b1/appointments", `{}`, http.Header{"Origin": {"https://evil.example"}}); cross.status != http.StatusForbidden {
		t.Fatalf("a cross-site booking: %d %s", cross.status, cross.body)
	}
	// Unknown halls and services.
	if a := do(t, "POST", srv.URL+"/api/v1/halls/nope/appointments", `{}`, nil); a.status != http.StatusNotFound {
		t.Errorf("booking at an unknown hall: %d %s", a.status, a.body)
	}
	if a := do(t, "GET", srv.URL+"/api/v1/halls/b1/slots?service=general", "", nil); a.status != http.StatusNotFound {
		t.Errorf("slots of a service without appointments: %d %s", a.status, a.body)
	}

}

// startMuteHall makes a hall's stream with one event in it and takes its
// booking requests without answering; it returns how many it took.
func startMuteHall(t *testing.T, id string) *atomic.Int64 {
	t.Helper()
	nc, err := nats.Connect(cluster.URLs())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := js.CreateStream(ctx, federation.StreamConfig(bookPrefix, id, "", 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, federation.Subject(bookPrefix, id), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	n := &atomic.Int64{}
	if _, err := nc.Subscribe(federation.BookSubject(bookPrefix, id), func(*nats.Msg) { n.Add(1) }); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	return n
}

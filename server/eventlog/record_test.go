package eventlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The first two events of a log, as published. The hashes were computed
// outside Go; the tests recompute them with crypto/sha256.
const (
	golden1 = `{"seq":1,"time":"2026-11-22T01:44:10.123Z","type":"ticket.issued","data":{"number":"A001","service":"证件办理","note":"<&>\"x\""},"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","hash":"96b706ac8f0e0f79dbd53d3c6b3ec880ede8ac0dde236d0d7da335325dab0379"}`
	golden2 = `{"seq":2,"time":"2026-11-22T01:44:11.000Z","type":"ticket.called","data":{"number":"A001","window":3},"prev_hash":"96b706ac8f0e0f79dbd53d3c6b3ec880ede8ac0dde236d0d7da335325dab0379","hash":"89acc12f0587e5018d44b018eaa5102c9f4fc6900c2cca27a9743445a4757a07"}`
)

// baseTime is the time of event 0 in the tests' logs.
var baseTime = time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)

// testLog returns n events of type test.event with data {"n":seq}, event seq
// at baseTime plus seq milliseconds.
func testLog(t testing.TB, n int) []Record {
	t.Helper()
	c, err := NewChain(0, GenesisHash)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]Record, n)
	for i := range recs {
		seq := i + 1
		recs[i], err = c.Next("test.event", baseTime.Add(time.Duration(seq)*time.Millisecond), json.RawMessage(fmt.Sprintf(`{"n":%d}`, seq)))
		if err != nil {
			t.Fatal(err)
		}
	}
	return recs
}

// recomputeHash computes an event's hash from its published bytes the way
// doc.go tells outside programs to, without the package's code.
func recomputeHash(t *testing.T, prevHash string, published string) string {
	t.Helper()
	prev, err := hex.DecodeString(prevHash)
	if err != nil {
		t.Fatalf("decode prev hash: %v", err)
	}
	i := strings.LastIndex(published, `,"hash":"`)
	if i < 0 || len(published)-i != 9+64+2 {
		t.Fatalf("published %q: no trailing hash", published)
	}
	body := published[:i] + "}"
	sum := sha256.Sum256(append(prev, body...))
	return hex.EncodeToString(sum[:])
}

func TestEncodeGolden(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		typ    string
		at     time.Time
		data   string
		golden string
		prev   string
	}{
		{
			typ: "ticket.issued",
			// Local time, nanoseconds: published in UTC, truncated to ms.
			at:     time.Date(2026, 11, 22, 9, 44, 10, 123987654, shanghai),
			data:   "{ \"number\": \"A001\",\n\t\"service\": \"证件办理\", \"note\": \"<&>\\\"x\\\"\" }",
			golden: golden1,
			prev:   GenesisHash,
		},
		{
			typ:    "ticket.called",
			at:     time.Date(2026, 11, 22, 1, 44, 11, 0, time.UTC),
			data:   `{"number":"A001","window":3}`,
			golden: golden2,
			prev:   "96b706ac8f0e0f79dbd53d3c6b3ec880ede8ac0dde236d0d7da335325dab0379",
		},
	}
	c, err := NewChain(0, GenesisHash)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		r, err := c.Next(tt.typ, tt.at, json.RawMessage(tt.data))
		if err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
		if got := string(r.Raw); got != tt.golden {
			t.Errorf("event %d published\ngot  %s\nwant %s", i+1, got, tt.golden)
		}
		if got, want := r.Hash, recomputeHash(t, tt.prev, tt.golden); got != want {
			t.Errorf("event %d hash: got %s, want %s", i+1, got, want)
		}
		if r.Seq != uint64(i+1) || r.PrevHash != tt.prev || r.Type != tt.typ {
			t.Errorf("event %d: got seq %d prev %s type %s", i+1, r.Seq, r.PrevHash, r.Type)
		}
		if got, want := r.Time, tt.at.UTC().Truncate(time.Millisecond); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("event %d time: got %v, want %v", i+1, got, want)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(tt.data)); err != nil {
			t.Fatal(err)
		}
		if got, want := string(r.Data), compact.String(); got != want {
			t.Errorf("event %d data: got %s, want %s", i+1, got, want)
		}
		if seq, hash := c.Head(); seq != r.Seq || hash != r.Hash {
			t.Errorf("event %d: head (%d, %s), want (%d, %s)", i+1, seq, hash, r.Seq, r.Hash)
		}
	}
}

func TestEncodeRejects(t *testing.T) {
	at := time.Date(2026, 11, 22, 1, 44, 10, 0, time.UTC)
	tests := []struct {
		name string
		typ  string
		at   time.Time
		data string
	}{
		{"type without dot", "ticket", at, `{}`},
		{"type upper case", "Ticket.issued", at, `{}`},
		{"type starting with underscore", "_ticket.issued", at, `{}`},
		{"type with digit", "ticket.issued2", at, `{}`},
		{"type with quote", `ticket.is"sued`, at, `{}`},
		{"type empty", "", at, `{}`},
		{"zero time", "ticket.issued", time.Time{}, `{}`},
		{"year after 9999", "ticket.issued", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), `{}`},
		{"data empty", "ticket.issued", at, ``},
		{"data invalid", "ticket.issued", at, `{"a":}`},
		{"data invalid with spaces", "ticket.issued", at, `{ "a": }`},
		{"data trailing garbage", "ticket.issued", at, `{"a":1}x`},
		{"data two objects", "ticket.issued", at, `{}{}`},
		{"data array", "ticket.issued", at, `[1,2]`},
		{"data null", "ticket.issued", at, `null`},
		{"data invalid UTF-8", "ticket.issued", at, "{\"a\":\"\xff\"}"},
	}
	c, err := NewChain(0, GenesisHash)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Next(tt.typ, tt.at, json.RawMessage(tt.data)); !errors.Is(err, ErrInvalid) {
				t.Errorf("Next: got error %v, want ErrInvalid", err)
			}
			if seq, hash := c.Head(); seq != 0 || hash != GenesisHash {
				t.Errorf("Head after a refused event: got (%d, %s), want (0, genesis)", seq, hash)
			}
		})
	}
	if _, err := NewChain(0, "xyz"); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewChain with a bad head hash: got %v, want ErrInvalid", err)
	}
}

func TestCheckTypeMatchesPublishedPattern(t *testing.T) {
	re := regexp.MustCompile(`^[a-z][a-z_]*(\.[a-z_]+)+$`)
	types := []string{
		"ticket.issued", "ticket.no_show", "day.opened", "a.b", "a._", "a_.b_c.d",
		"lease.granted.extra", "ticket", "ticket.", ".ticket", "ticket..a", "_a.b",
		"a.B", "a.b1", "a b.c", "a.b c", "", ".", "a.b.", "é.b", "a.b\n", "ticket.issued\x00",
	}
	for _, typ := range types {
		t.Run(fmt.Sprintf("%q", typ), func(t *testing.T) {
			got := CheckType(typ) == nil
			if want := re.MatchString(typ); got != want {
				t.Errorf("CheckType(%q) accepts: got %v, want %v", typ, got, want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	r, err := Parse([]byte(golden2))
	if err != nil {
		t.Fatalf("Parse(golden2): %v", err)
	}
	want := Record{
		Seq:      2,
		Time:     time.Date(2026, 11, 22, 1, 44, 11, 0, time.UTC),
		Type:     "ticket.called",
		Data:     json.RawMessage(`{"number":"A001","window":3}`),
		PrevHash: "96b706ac8f0e0f79dbd53d3c6b3ec880ede8ac0dde236d0d7da335325dab0379",
		Hash:     "89acc12f0587e5018d44b018eaa5102c9f4fc6900c2cca27a9743445a4757a07",
	}
	if r.Seq != want.Seq || !r.Time.Equal(want.Time) || r.Type != want.Type ||
		string(r.Data) != string(want.Data) || r.PrevHash != want.PrevHash || r.Hash != want.Hash ||
		string(r.Raw) != golden2 {
		t.Errorf("Parse(golden2):\ngot  %+v\nwant %+v", r, want)
	}

	bad := []struct {
		name string
		raw  string
	}{
		{"empty", ``},
		{"space after colon", strings.Replace(golden2, `"seq":2`, `"seq": 2`, 1)},
		{"space in data", strings.Replace(golden2, `"window":3`, `"window": 3`, 1)},
		{"seq zero", strings.Replace(golden2, `"seq":2`, `"seq":0`, 1)},
		{"seq leading zero", strings.Replace(golden2, `"seq":2`, `"seq":02`, 1)},
		{"seq overflow", strings.Replace(golden2, `"seq":2`, `"seq":18446744073709551616`, 1)},
		{"time without millis", strings.Replace(golden2, `01:44:11.000Z`, `01:44:11Z`, 1)},
		{"time with offset", strings.Replace(golden2, `01:44:11.000Z`, `01:44:11.000+08:00`, 1)},
		{"time out of range", strings.Replace(golden2, `01:44:11.000Z`, `25:44:11.000Z`, 1)},
		{"bad type", strings.Replace(golden2, `ticket.called`, `Ticket.called`, 1)},
		{"data array", strings.Replace(golden2, `{"number":"A001","window":3}`, `[1,2]`, 1)},
		{"data invalid", strings.Replace(golden2, `{"number":"A001","window":3}`, `{"number":"A001","window":}`, 1)},
		{"keys reordered", strings.Replace(golden2, `"seq":2,"time":"2026-11-22T01:44:11.000Z"`, `"time":"2026-11-22T01:44:11.000Z","seq":2`, 1)},
		{"upper-case hash", strings.Replace(golden2, `89acc12f`, `89ACC12F`, 1)},
		{"short hash", strings.Replace(golden2, `89acc12f`, `89acc12`, 1)},
		{"no hash", golden2[:strings.LastIndex(golden2, `,"hash"`)] + "}"},
		{"trailing newline", golden2 + "\n"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse([]byte(tt.raw)); !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse: got error %v, want ErrInvalid", err)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	// Five events built by a Chain, plus the goldens.
	recs := testLog(t, 5)
	raws := make([][]byte, len(recs))
	for i, r := range recs {
		raws[i] = r.Raw
	}
	head, err := Verify(GenesisHash, raws)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if want := recs[4].Hash; head != want {
		t.Errorf("Verify head: got %s, want %s", head, want)
	}
	head, err = Verify(GenesisHash, [][]byte{[]byte(golden1), []byte(golden2)})
	if want := "89acc12f0587e5018d44b018eaa5102c9f4fc6900c2cca27a9743445a4757a07"; err != nil || head != want {
		t.Errorf("Verify(goldens): got (%s, %v), want (%s, nil)", head, err, want)
	}
	if head, err := Verify(recs[1].Hash, raws[2:]); err != nil || head != recs[4].Hash {
		t.Errorf("Verify from event 3: got (%s, %v), want (%s, nil)", head, err, recs[4].Hash)
	}
	if head, err := Verify(recs[4].Hash, nil); err != nil || head != recs[4].Hash {
		t.Errorf("Verify of nothing: got (%s, %v), want (%s, nil)", head, err, recs[4].Hash)
	}

	// flip returns raws with event seq changed by f.
	flip := func(seq int, f func(string) string) [][]byte {
		out := append([][]byte(nil), raws...)
		out[seq-1] = []byte(f(string(raws[seq-1])))
		return out
	}
	tests := []struct {
		name    string
		prev    string
		raws    [][]byte
		wantSeq uint64
	}{
		{"data changed", GenesisHash, flip(3, func(r string) string { return strings.Replace(r, `"n":3`, `"n":4`, 1) }), 3},
		{"time changed", GenesisHash, flip(2, func(r string) string { return strings.Replace(r, `.002Z`, `.003Z`, 1) }), 2},
		{"hash changed", GenesisHash, flip(4, func(r string) string { return r[:len(r)-3] + flipHex(r[len(r)-3]) + r[len(r)-2:] }), 4},
		{"prev_hash changed", GenesisHash, flip(5, func(r string) string {
			return strings.Replace(r, recs[3].Hash, recs[3].Hash[:10]+flipHex(recs[3].Hash[10])+recs[3].Hash[11:], 1)
		}), 5},
		{"seq changed", GenesisHash, flip(2, func(r string) string { return strings.Replace(r, `"seq":2`, `"seq":3`, 1) }), 2},
		{"event missing", GenesisHash, append(append([][]byte(nil), raws[:2]...), raws[3:]...), 3},
		{"events swapped", GenesisHash, [][]byte{raws[0], raws[2], raws[1]}, 2},
		{"not from genesis", GenesisHash, raws[1:], 1},
		{"wrong start hash", recs[0].Hash, raws[2:], 3},
		{"layout broken", GenesisHash, flip(2, func(r string) string { return strings.Replace(r, `"seq":2`, `"seq": 2`, 1) }), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(tt.prev, tt.raws)
			var ce *ChainError
			if !errors.As(err, &ce) || !errors.Is(err, ErrBrokenChain) {
				t.Fatalf("Verify: got error %v, want a *ChainError", err)
			}
			if ce.Seq != tt.wantSeq {
				t.Errorf("Verify: got bad seq %d (%v), want %d", ce.Seq, err, tt.wantSeq)
			}
		})
	}
	if _, err := Verify("abc", raws); !errors.Is(err, ErrInvalid) {
		t.Errorf("Verify with a bad prev hash: got %v, want ErrInvalid", err)
	}
}

// flipHex returns another lower-case hex digit than c.
func flipHex(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

func TestAppendTimeMatchesLayout(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
	}{
		{"golden", time.Date(2026, 11, 22, 1, 44, 10, 123000000, time.UTC)},
		{"midnight", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"last millisecond of a year", time.Date(2026, 12, 31, 23, 59, 59, 999000000, time.UTC)},
		{"leap day", time.Date(2028, 2, 29, 12, 30, 5, 7000000, time.UTC)},
		{"year 1", time.Date(1, 1, 1, 0, 0, 0, 1000000, time.UTC)},
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 990000000, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(appendTime(nil, tt.at))
			if want := tt.at.Format(TimeLayout); got != want {
				t.Errorf("appendTime: got %s, want %s", got, want)
			}
		})
	}
	// And every millisecond offset of a day's worth of steps.
	at := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	for i := range 20000 {
		tm := at.Add(time.Duration(i) * 4321001 * time.Microsecond).Truncate(time.Millisecond)
		if got, want := string(appendTime(nil, tm)), tm.Format(TimeLayout); got != want {
			t.Fatalf("appendTime(%v): got %s, want %s", tm, got, want)
		}
	}
}

// TestNextEncoded: for compact JSON, NextEncoded makes the records Next makes;
// it still refuses data that is not an object.
func TestNextEncoded(t *testing.T) {
	at := time.Date(2026, 11, 22, 1, 44, 10, 123e6, time.UTC)
	a, err := NewChain(0, GenesisHash)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewChain(0, GenesisHash)
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{`{"number":"A001","name":"综合"}`, `{}`, `{"a":[1,2,{"b":null}]}`} {
		ra, err := a.Next("ticket.issued", at, json.RawMessage(data))
		if err != nil {
			t.Fatal(err)
		}
		rb, err := b.NextEncoded("ticket.issued", at, []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		if string(ra.Raw) != string(rb.Raw) || ra.Hash != rb.Hash {
			t.Fatalf("%s: Next made %s, NextEncoded %s", data, ra.Raw, rb.Raw)
		}
	}
	for _, data := range []string{``, `[]`, `"x"`} {
		if _, err := b.NextEncoded("ticket.issued", at, []byte(data)); !errors.Is(err, ErrInvalid) {
			t.Errorf("NextEncoded(%q): got %v, want ErrInvalid", data, err)
		}
	}
	if seq, _ := b.Head(); seq != 3 {
		t.Errorf("head moved on refused data: %d", seq)
	}
}

package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"hallq/server/eventlog"
)

// The first two events of a log, as published. The hashes were computed
// outside Go; the tests recompute them with crypto/sha256.
const (
	golden1 = `{"seq":1,"time":"2026-11-22T01:44:10.123Z","type":"ticket.issued","data":{"number":"A001","service":"证件办理","note":"<&>\"x\""},"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","hash":"96b706ac8f0e0f79dbd53d3c6b3ec880ede8ac0dde236d0d7da335325dab0379"}`
	golden2 = `{"seq":2,"time":"2026-11-22T01:44:11.000Z","type":"ticket.called","data":{"number":"A001","window":3},"prev_hash":"96b706ac8f0e0f79dbd53d3c6b3ec880ede8ac0dde236d0d7da335325dab0379","hash":"89acc12f0587e5018d44b018eaa5102c9f4fc6900c2cca27a9743445a4757a07"}`
)

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

func TestAppendGolden(t *testing.T) {
	s := openTest(t, t.TempDir()+"/hall.db")
	shanghai := time.FixedZone("CST", 8*3600)
	type appendCase struct {
		typ    string
		at     time.Time
		data   string
		golden string
		prev   string
	}
	cases := []appendCase{
		{
			typ: "ticket.issued",
			// Local time, nanoseconds: published in UTC, truncated to ms.
			at:     time.Date(2026, 11, 22, 9, 44, 10, 123987654, shanghai),
			data:   "{ \"number\": \"A001\",\n\t\"service\": \"证件办理\", \"note\": \"<&>\\\"x\\\"\" }",
			golden: golden1,
			prev:   eventlog.GenesisHash,
		},
		{
			typ:    "ticket.called",
			at:     time.Date(2026, 11, 22, 1, 44, 11, 0, time.UTC),
			data:   `{"number":"A001","window":3}`,
			golden: golden2,
			prev:   "96b706ac8f0e0f79dbd53d3c6b3ec880ede8ac0dde236d0d7da335325dab0379",
		},
	}
	var recs []eventlog.Record
	err := s.Update(func(tx *Tx) error {
		for _, c := range cases {
			r, err := tx.Append(c.typ, c.at, json.RawMessage(c.data))
			if err != nil {
				return err
			}
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for i, c := range cases {
		r := recs[i]
		if got := string(r.Raw); got != c.golden {
			t.Errorf("event %d published\ngot  %s\nwant %s", i+1, got, c.golden)
		}
		if got, want := r.Hash, recomputeHash(t, c.prev, c.golden); got != want {
			t.Errorf("event %d hash: got %s, want %s", i+1, got, want)
		}
		if got, want := r.Seq, uint64(i+1); got != want {
			t.Errorf("event %d seq: got %d, want %d", i+1, got, want)
		}
		if got, want := r.PrevHash, c.prev; got != want {
			t.Errorf("event %d prev hash: got %s, want %s", i+1, got, want)
		}
		if got, want := r.Time, c.at.UTC().Truncate(time.Millisecond); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("event %d time: got %v, want %v", i+1, got, want)
		}
		if got, want := r.Type, c.typ; got != want {
			t.Errorf("event %d type: got %s, want %s", i+1, got, want)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(c.data)); err != nil {
			t.Fatal(err)
		}
		if got, want := string(r.Data), compact.String(); got != want {
			t.Errorf("event %d data: got %s, want %s", i+1, got, want)
		}
		stored, err := s.Event(r.Seq)
		if err != nil {
			t.Fatalf("Event(%d): %v", r.Seq, err)
		}
		if got := string(stored.Raw); got != c.golden {
			t.Errorf("event %d stored\ngot  %s\nwant %s", i+1, got, c.golden)
		}
	}
	if seq, hash := s.Head(); seq != 2 || hash != recs[1].Hash {
		t.Errorf("Head: got (%d, %s), want (2, %s)", seq, hash, recs[1].Hash)
	}
}

func TestAppendRejects(t *testing.T) {
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
		{"type ending with dot", "ticket.", at, `{}`},
		{"type with empty segment", "ticket..issued", at, `{}`},
		{"type with dash", "ticket.no-show", at, `{}`},
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
		{"data string", "ticket.issued", at, `"A001"`},
		{"data null", "ticket.issued", at, `null`},
		{"data number with spaces", "ticket.issued", at, ` 1 `},
		{"data invalid UTF-8", "ticket.issued", at, "{\"a\":\"\xff\"}"},
	}
	s := openTest(t, t.TempDir()+"/hall.db")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Update(func(tx *Tx) error {
				_, err := tx.Append(tt.typ, tt.at, json.RawMessage(tt.data))
				if !errors.Is(err, eventlog.ErrInvalid) {
					t.Errorf("Append: got error %v, want eventlog.ErrInvalid", err)
				}
				// The failed append leaves the transaction's log as it was.
				if seq, hash := tx.Head(); seq != 0 || hash != eventlog.GenesisHash {
					t.Errorf("tx.Head after failed Append: got (%d, %s), want (0, genesis)", seq, hash)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
		})
	}
	if seq, _ := s.Head(); seq != 0 {
		t.Errorf("Head after rejected appends: got %d, want 0", seq)
	}
}

// flipHex returns another lower-case hex digit than c.
func flipHex(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

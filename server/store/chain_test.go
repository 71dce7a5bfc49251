package store

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"hallq/server/eventlog"
)

func TestChainMatchesAppend(t *testing.T) {
	at := time.Date(2026, 11, 22, 1, 44, 10, 123e6, time.UTC)
	data := json.RawMessage(`{"number": "A001", "name":"综合"}`)

	a, err := Open(filepath.Join(t.TempDir(), "a.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var appended []eventlog.Record
	if err := a.Update(func(tx *Tx) error {
		for range 3 {
			r, err := tx.Append("ticket.issued", at, data)
			appended = append(appended, r)
			if err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	b, err := Open(filepath.Join(t.TempDir(), "b.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := eventlog.NewChain(b.Head())
	if err != nil {
		t.Fatal(err)
	}
	var chained []eventlog.Record
	for range 3 {
		r, err := c.Next("ticket.issued", at, data)
		if err != nil {
			t.Fatal(err)
		}
		chained = append(chained, r)
	}
	for i := range appended {
		if string(chained[i].Raw) != string(appended[i].Raw) || chained[i].Hash != appended[i].Hash ||
			string(chained[i].Data) != string(appended[i].Data) || chained[i].PrevHash != appended[i].PrevHash {
			t.Fatalf("record %d: chain gives %s, Append gives %s", i+1, chained[i].Raw, appended[i].Raw)
		}
	}
	if err := b.Update(func(tx *Tx) error { return tx.PutRecords(chained[:2]) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *Tx) error { return tx.PutRecords(chained[2:]) }); err != nil {
		t.Fatal(err)
	}
	if seq, hash := b.Head(); seq != 3 || hash != appended[2].Hash {
		t.Fatalf("head after PutRecords: got %d %s, want 3 %s", seq, hash, appended[2].Hash)
	}
	if err := b.Verify(1, 0); err != nil {
		t.Fatal(err)
	}
	// Appends after PutRecords link to them.
	if err := b.Update(func(tx *Tx) error { _, err := tx.Append("ticket.called", at, data); return err }); err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(1, 0); err != nil {
		t.Fatal(err)
	}
}

func TestPutRecordsRefusesUnlinked(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	c, _ := eventlog.NewChain(0, eventlog.GenesisHash)
	r1, _ := c.Next("day.opened", at, json.RawMessage(`{"day":"2026-11-22"}`))
	r2, _ := c.Next("day.opened", at, json.RawMessage(`{"day":"2026-11-23"}`))
	other, _ := eventlog.NewChain(1, r2.Hash) // a chain that forked
	f2, _ := other.Next("day.opened", at, json.RawMessage(`{}`))
	tests := []struct {
		name string
		recs []eventlog.Record
	}{
		{"gap", []eventlog.Record{r2}},
		{"fork", []eventlog.Record{r1, f2}},
		{"repeat", []eventlog.Record{r1, r1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Update(func(tx *Tx) error { return tx.PutRecords(tt.recs) })
			if !errors.Is(err, eventlog.ErrBrokenChain) {
				t.Fatalf("got %v, want eventlog.ErrBrokenChain", err)
			}
			if seq, _ := s.Head(); seq != 0 {
				t.Fatalf("head moved to %d", seq)
			}
		})
	}
	if _, err := eventlog.NewChain(0, "xyz"); !errors.Is(err, eventlog.ErrInvalid) {
		t.Errorf("bad head hash: got %v, want eventlog.ErrInvalid", err)
	}
}

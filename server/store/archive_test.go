package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
)

// appendDays appends perDay events on each of days dates from 2026-06-10, in
// loc, and one on the date after, and returns every record.
func appendDays(t *testing.T, s *Store, loc *time.Location, days, perDay int) []eventlog.Record {
	t.Helper()
	var all []eventlog.Record
	start := time.Date(2026, 6, 10, 0, 0, 0, 0, loc)
	for d := 0; d <= days; d++ {
		n := perDay
		if d == days {
			n = 1 // the next day's seal
		}
		times := make([]time.Time, n)
		for i := range times {
			times[i] = start.AddDate(0, 0, d).Add(time.Duration(i) * (24 * time.Hour / time.Duration(perDay)))
		}
		all = append(all, appendAt(t, s, times...)...)
	}
	return all
}

// jsonl returns the records' bytes as /log.jsonl serves them.
func jsonl(recs []eventlog.Record) []byte {
	var b bytes.Buffer
	for _, r := range recs {
		b.Write(r.Raw)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// eventsInFile counts the events the bbolt file itself holds.
func eventsInFile(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	s.db.View(func(btx *bolt.Tx) error {
		n = btx.Bucket(BucketEvents).Stats().KeyN
		return nil
	})
	return n
}

// checkAll checks that every event reads back, page by page and one by one,
// with its exact bytes.
func checkAll(t *testing.T, s *Store, all []eventlog.Record) {
	t.Helper()
	for _, page := range []int{1, 7, 1000} {
		var got []eventlog.Record
		for after := uint64(0); ; {
			recs, err := s.EventsAfter(after, page)
			if err != nil {
				t.Fatalf("EventsAfter(%d, %d): %v", after, page, err)
			}
			if len(recs) == 0 {
				break
			}
			got = append(got, recs...)
			after = recs[len(recs)-1].Seq
		}
		if !bytes.Equal(jsonl(got), jsonl(all)) {
			t.Fatalf("pages of %d: %d events read back differ from the %d written", page, len(got), len(all))
		}
	}
	for _, want := range all {
		got, err := s.Event(want.Seq)
		if err != nil || !bytes.Equal(got.Raw, want.Raw) {
			t.Fatalf("Event(%d): %v, %q", want.Seq, err, got.Raw)
		}
	}
	if err := s.Verify(0, 0); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// TestArchiveDays: past dates move into one file each, whose bytes are
// the date's lines of the public log; every read sees the log unchanged, the
// file keeps only the current date, and a reopened store (verifying
// everything) reads the same.
func TestArchiveDays(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	dir := t.TempDir()
	path := filepath.Join(dir, "hallq.db")
	s, err := Open(path, Options{Journal: true, JournalSize: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	all := appendDays(t, s, loc, 3, 150)
	made, err := s.ArchiveDays(context.Background(), loc)
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != 3 {
		t.Fatalf("made %d archives, want 3: %+v", len(made), made)
	}
	for d, a := range made {
		want := all[d*150 : (d+1)*150]
		if name := time.Date(2026, 6, 10+d, 0, 0, 0, 0, loc).Format(time.DateOnly) + ".jsonl"; a.Name != name {
			t.Errorf("archive %d named %s, want %s", d, a.Name, name)
		}
		data, err := os.ReadFile(filepath.Join(dir, ArchiveDir, a.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, jsonl(want)) {
			t.Errorf("%s differs from the date's lines of the log", a.Name)
		}
		if a.First != want[0].Seq || a.Last != want[149].Seq || a.Count != 150 || a.PrevHash != want[0].PrevHash || a.Hash != want[149].Hash || a.Size != int64(len(data)) {
			t.Errorf("archive %d listed as %+v", d, a)
		}
	}
	if n := eventsInFile(t, s); n != 1 {
		t.Errorf("the file holds %d events, want the current date's 1", n)
	}
	checkAll(t, s, all)
	if made, err := s.ArchiveDays(context.Background(), loc); err != nil || len(made) != 0 {
		t.Errorf("ArchiveDays again: %v, %d made", err, len(made))
	}
	// The log goes on after the archives.
	more := appendEvents(t, s, 5)
	all = append(all, more...)
	checkAll(t, s, all)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{VerifyAll: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkAll(t, s, all)
	f, a, ok := s.OpenArchive(made[1].First, made[1].Last)
	if !ok || a.Name != made[1].Name {
		t.Fatalf("OpenArchive(%d, %d): %v %+v", made[1].First, made[1].Last, ok, a)
	}
	f.Close()
	if _, _, ok := s.OpenArchive(made[1].First, made[1].Last-1); ok {
		t.Error("OpenArchive of part of an archive found one")
	}
}

// TestArchiveCutShort: a crash at each step of archiving leaves a store that
// opens with its whole chain and ends the archiving where it stopped.
func TestArchiveCutShort(t *testing.T) {
	loc := time.UTC
	steps := []struct {
		name string
		cut  func(t *testing.T, s *Store)
	}{
		{"temporary file written", func(t *testing.T, s *Store) {
			if err := os.MkdirAll(s.archiveDir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(s.archiveDir, "2026-06-10.jsonl.tmp"), []byte(`{"seq":1,"half`), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"file renamed, not listed", func(t *testing.T, s *Store) {
			first, last, name, err := s.nextDay(loc)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.writeArchive(context.Background(), name, first, last); err != nil {
				t.Fatal(err)
			}
		}},
		{"listed, events not deleted", func(t *testing.T, s *Store) {
			first, last, name, err := s.nextDay(loc)
			if err != nil {
				t.Fatal(err)
			}
			a, err := s.writeArchive(context.Background(), name, first, last)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.listArchive(a); err != nil {
				t.Fatal(err)
			}
		}},
		{"stopped between pages", func(t *testing.T, s *Store) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := s.ArchiveDays(ctx, loc); !errors.Is(err, context.Canceled) {
				t.Fatalf("ArchiveDays with its context ended: %v", err)
			}
		}},
	}
	defer func(n int) { deleteChunk = n }(deleteChunk)
	deleteChunk = 40
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hallq.db")
			s, err := Open(path, Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			all := appendDays(t, s, loc, 2, 3*deleteChunk/2)
			step.cut(t, s)
			// A crash: the files as they are, without Close's work.
			s.db.Close()
			s, err = Open(path, Options{NoSync: true, VerifyAll: true})
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer s.Close()
			if l := s.Archives(); len(l) > 0 && eventsInFile(t, s) != len(all)-int(l[len(l)-1].Last) {
				t.Errorf("after reopening, the file holds %d events, archives %d of %d", eventsInFile(t, s), l[len(l)-1].Last, len(all))
			}
			if tmps, _ := filepath.Glob(filepath.Join(s.archiveDir, "*.tmp")); len(tmps) > 0 {
				t.Errorf("temporary files left: %v", tmps)
			}
			checkAll(t, s, all)
			if _, err := s.ArchiveDays(context.Background(), loc); err != nil {
				t.Fatal(err)
			}
			if l := s.Archives(); len(l) != 2 || eventsInFile(t, s) != 1 {
				t.Errorf("after archiving again: %d archives, %d events in the file", len(l), eventsInFile(t, s))
			}
			checkAll(t, s, all)
		})
	}
}

// TestArchiveDamage: an archive changed or lost is found when the store
// opens (a lost or cut file) or verifies everything (a changed event).
func TestArchiveDamage(t *testing.T) {
	loc := time.UTC
	for _, tc := range []struct {
		name      string
		damage    func(path string) error
		verifyAll bool
	}{
		{"lost", os.Remove, false},
		{"cut", func(p string) error { return os.Truncate(p, 100) }, false},
		{"changed", func(p string) error {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, bytes.Replace(data, []byte(`{"at":"2026`), []byte(`{"at":"2027`), 1), 0o600)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hallq.db")
			s, err := Open(path, Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			appendDays(t, s, loc, 2, 10)
			made, err := s.ArchiveDays(context.Background(), loc)
			if err != nil || len(made) != 2 {
				t.Fatalf("ArchiveDays: %v, %d", err, len(made))
			}
			s.Close()
			if err := tc.damage(filepath.Join(filepath.Dir(path), ArchiveDir, made[0].Name)); err != nil {
				t.Fatal(err)
			}
			s, err = Open(path, Options{NoSync: true, VerifyAll: tc.verifyAll})
			if err == nil {
				s.Close()
				t.Fatal("the store opened with a damaged archive")
			}
		})
	}
}

// appendAt appends one event at each of the times, in one transaction.
func appendAt(t *testing.T, s *Store, times ...time.Time) []eventlog.Record {
	t.Helper()
	var recs []eventlog.Record
	err := s.Update(func(tx *Tx) error {
		for _, at := range times {
			r, err := tx.Append("test.event", at, json.RawMessage(`{"at":"`+at.Format(time.RFC3339)+`"}`))
			if err != nil {
				return err
			}
			recs = append(recs, r.Clone())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestArchiveZoneChanged: a hall whose time zone changes between two
// archivings finds a date it already archived again at the start of what is
// left (a clock set back cannot do this: the engine keeps event times in
// order). That stretch gets an archive of its own named after its first
// event; every archive holds exactly its part of the log, the names never
// repeat, and the whole chain reads back and verifies, also after a reopen.
func TestArchiveZoneChanged(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	dir := t.TempDir()
	path := filepath.Join(dir, "hallq.db")
	s, err := Open(path, Options{Journal: true, JournalSize: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	day := func(d, h int) time.Time { return time.Date(2026, 6, 10+d, h, 0, 0, 0, cst) }
	// 10 June in Beijing, sealed by 11 June 01:00 (17:00 on 10 June in UTC).
	all := appendAt(t, s, day(0, 9), day(0, 12), day(0, 16), day(1, 1))
	made, err := s.ArchiveDays(context.Background(), cst)
	if err != nil || len(made) != 1 || made[0].Name != "2026-06-10.jsonl" {
		t.Fatalf("first archiving: %v, %+v", err, made)
	}
	// The hall now keeps its dates in UTC: the event of 11 June 01:00 in
	// Beijing is on 10 June there, a date already archived.
	utc := func(d, h int) time.Time { return time.Date(2026, 6, 10+d, h, 0, 0, 0, time.UTC) }
	all = append(all, appendAt(t, s, utc(0, 22), utc(1, 0).Add(30*time.Minute), utc(1, 3), utc(3, 1))...)
	more, err := s.ArchiveDays(context.Background(), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	made = append(made, more...)
	names := map[string]bool{}
	next := uint64(1)
	for _, a := range made {
		if names[a.Name] {
			t.Errorf("archive name %s used twice: %+v", a.Name, made)
		}
		names[a.Name] = true
		if a.First != next {
			t.Errorf("archive %s starts at %d, want %d: %+v", a.Name, a.First, next, made)
		}
		next = a.Last + 1
		data, err := os.ReadFile(filepath.Join(dir, ArchiveDir, a.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, jsonl(all[a.First-1:a.Last])) {
			t.Errorf("%s differs from events %d..%d of the log", a.Name, a.First, a.Last)
		}
	}
	if len(made) != 3 || made[1].Name != "2026-06-10.4.jsonl" || made[1].Last != 5 || made[2].Name != "2026-06-11.jsonl" {
		t.Errorf("archives %+v: want 10 June in UTC, events 4..5, as 2026-06-10.4.jsonl, then 2026-06-11.jsonl", made)
	}
	if n := eventsInFile(t, s); n != 1 || next != uint64(len(all)) {
		t.Errorf("the file holds %d events and the archives end at %d, want the last date's 1 event after %d", n, next-1, len(all)-1)
	}
	checkAll(t, s, all)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(path, Options{VerifyAll: true}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkAll(t, s, all)
}

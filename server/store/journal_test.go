package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
)

var journalTestTime = time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)

// openJournaled opens a store with a journal; held keeps the applier from
// copying frames into the file until something asks for them.
func openJournaled(t testing.TB, path string, size int64, held bool) *Store {
	t.Helper()
	opts := Options{Journal: true, JournalSize: size}
	if held {
		opts.applyDelay = time.Hour
	}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// commitEvents commits n events made by a Chain from the head, with writes.
func commitEvents(t testing.TB, s *Store, n int, writes ...Write) []eventlog.Record {
	t.Helper()
	seq, hash := s.Head()
	ch, err := eventlog.NewChain(seq, hash)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]eventlog.Record, n)
	for i := range recs {
		data := fmt.Appendf(nil, `{"n":%d,"pad":"%s"}`, seq+uint64(i)+1, bytes.Repeat([]byte("x"), 200))
		if recs[i], err = ch.Next("test.event", journalTestTime, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(&Batch{Records: recs, Writes: writes}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return recs
}

// copyFiles copies the store's file and journal as they are on disk now, as
// a crash would leave them, and returns the copy's path.
func copyFiles(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy.db")
	for _, p := range [][2]string{{path, dst}, {journalPath(path), journalPath(dst)}} {
		in, err := os.Open(p[0])
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(p[1])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// reopen opens the store at path, as a server starting again would, and
// closes it when the test ends.
func reopen(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	r, err := Open(path, opts)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("close the reopened store: %v", err)
		}
	})
	return r
}

// checkLog checks that the store holds exactly want, verified.
func checkLog(t *testing.T, s *Store, want []eventlog.Record) {
	t.Helper()
	got, err := s.EventsAfter(0, len(want)+10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("log has %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i].Raw, want[i].Raw) || got[i].Seq != want[i].Seq || got[i].Hash != want[i].Hash {
			t.Fatalf("event %d differs:\n got %s\nwant %s", i+1, got[i].Raw, want[i].Raw)
		}
	}
	if seq, hash := s.Head(); len(want) > 0 && (seq != want[len(want)-1].Seq || hash != want[len(want)-1].Hash) {
		t.Fatalf("head %d %s, want %d %s", seq, hash, want[len(want)-1].Seq, want[len(want)-1].Hash)
	}
	if err := s.Verify(0, 0); err != nil {
		t.Fatal(err)
	}
}

func TestJournalCommitIsReadableBeforeItIsApplied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hall.db")
	s := openJournaled(t, path, 0, true)
	defer s.Close()
	first := commitEvents(t, s, 3)
	second := commitEvents(t, s, 2)
	all := append(first, second...)
	if seq, _ := s.Head(); seq != 5 {
		t.Fatalf("head %d, want 5", seq)
	}
	for _, r := range all {
		got, err := s.Event(r.Seq)
		if err != nil || !bytes.Equal(got.Raw, r.Raw) || string(got.Data) != string(r.Data) || got.Type != r.Type {
			t.Fatalf("Event(%d) = %+v, %v", r.Seq, got, err)
		}
	}
	if _, err := s.Event(6); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Event(6): %v, want ErrNotFound", err)
	}
	for after := range uint64(6) {
		for limit := 1; limit <= 6; limit++ {
			got, err := s.EventsAfter(after, limit)
			if err != nil {
				t.Fatal(err)
			}
			want := all[after:]
			want = want[:min(len(want), limit)]
			if len(got) != len(want) {
				t.Fatalf("EventsAfter(%d, %d): %d events, want %d", after, limit, len(got), len(want))
			}
			for i := range want {
				if got[i].Seq != want[i].Seq {
					t.Fatalf("EventsAfter(%d, %d)[%d] = %d, want %d", after, limit, i, got[i].Seq, want[i].Seq)
				}
			}
		}
	}
	// A caller's copy is its own.
	got, _ := s.Event(1)
	got.Raw[0] = 'X'
	if again, _ := s.Event(1); again.Raw[0] != '{' {
		t.Fatal("Event returned the store's own bytes")
	}
	// Reading the file waits for the journal to be applied.
	var n int
	if err := s.View(func(tx *Tx) error {
		return tx.ForEach(BucketEvents, nil, func(k, v []byte) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Fatalf("the file holds %d events after View, want 5", n)
	}
	checkLog(t, s, all)
}

func TestJournalReplaysAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hall.db")
	s := openJournaled(t, path, 0, true)
	defer s.Close()
	var want []eventlog.Record
	want = append(want, commitEvents(t, s, 4, Write{BucketIdempotency, []byte("k1"), []byte("v1")})...)
	// Some frames reach the file, later ones wait in the journal.
	if err := s.flush(); err != nil {
		t.Fatal(err)
	}
	want = append(want, commitEvents(t, s, 3, Write{BucketIdempotency, []byte("k2"), []byte("v2")})...)
	want = append(want, commitEvents(t, s, 2, Write{Bucket: BucketIdempotency, Key: []byte("k1")})...)
	crashed := copyFiles(t, path)

	r := reopen(t, crashed, Options{Journal: true})
	checkLog(t, r, want)
	err := r.View(func(tx *Tx) error {
		if v := tx.Get(BucketIdempotency, []byte("k2")); string(v) != "v2" {
			return fmt.Errorf("k2 = %q, want v2", v)
		}
		if v := tx.Get(BucketIdempotency, []byte("k1")); v != nil {
			return fmt.Errorf("k1 = %q, want deleted", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The replayed store goes on from where it was.
	want = append(want, commitEvents(t, r, 2)...)
	checkLog(t, r, want)
}

func TestJournalOpenedWithoutJournalStillReplays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hall.db")
	s := openJournaled(t, path, 0, true)
	defer s.Close()
	want := commitEvents(t, s, 5)
	crashed := copyFiles(t, path)
	checkLog(t, reopen(t, crashed, Options{}), want)
}

func TestJournalTornLastFrameIsDropped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hall.db")
	s := openJournaled(t, path, 0, true)
	defer s.Close()
	kept := commitEvents(t, s, 3)
	commitEvents(t, s, 3)
	s.writeMu.Lock()
	lastAt := s.journal.off - int64(len(s.journal.buf))
	s.writeMu.Unlock()
	crashed := copyFiles(t, path)
	// The last frame was being written when the power went: its end is
	// still zeros.
	f, err := os.OpenFile(journalPath(crashed), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, 100), lastAt+frameHeader+40); err != nil {
		t.Fatal(err)
	}
	f.Close()
	checkLog(t, reopen(t, crashed, Options{Journal: true}), kept)
}

func TestJournalWrapsAround(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hall.db")
	// Room for about three frames of four events.
	s := openJournaled(t, path, 4096, true)
	defer s.Close()
	var want []eventlog.Record
	for i := range 20 {
		want = append(want, commitEvents(t, s, 4, Write{BucketIdempotency, fmt.Appendf(nil, "k%02d", i), []byte("v")})...)
		if i == 13 {
			// Frames before and after a restart at offset 0, the older ones
			// still in the file behind the newer: a crash here must replay
			// only the new ones.
			crashed := copyFiles(t, path)
			checkLog(t, reopen(t, crashed, Options{Journal: true, JournalSize: 4096}), want)
		}
	}
	checkLog(t, s, want)
	// A batch larger than the whole journal goes straight to the file.
	want = append(want, commitEvents(t, s, 30)...)
	checkLog(t, s, want)
	want = append(want, commitEvents(t, s, 1)...)
	crashed := copyFiles(t, path)
	r := reopen(t, crashed, Options{Journal: true, JournalSize: 4096})
	checkLog(t, r, want)
	var keys int
	r.View(func(tx *Tx) error {
		return tx.ForEach(BucketIdempotency, []byte("k"), func(k, v []byte) error { keys++; return nil })
	})
	if keys != 20 {
		t.Fatalf("%d private keys after replay, want 20", keys)
	}
}

func TestJournalCloseAppliesEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hall.db")
	s := openJournaled(t, path, 0, true)
	want := commitEvents(t, s, 7)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The journal's frames are all in the file: removing it loses nothing.
	if err := os.Remove(journalPath(path)); err != nil {
		t.Fatal(err)
	}
	r := openTest(t, path)
	checkLog(t, r, want)
}

func TestJournalAppliesInTheBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hall.db")
	s := openJournaled(t, path, 0, false)
	defer s.Close()
	commitEvents(t, s, 3)
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.journal.mu.Lock()
		applied := s.journal.applied
		s.journal.mu.Unlock()
		if applied == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the applier did not copy the frame into the file")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var lsn uint64
	s.db.View(func(btx *bolt.Tx) error {
		lsn = binary.BigEndian.Uint64(btx.Bucket(BucketMeta).Get(metaJournal))
		return nil
	})
	if lsn != 1 {
		t.Fatalf("the file records frame %d as applied, want 1", lsn)
	}
}

func TestJournalRefusesBadBatches(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hall.db")
	s := openJournaled(t, path, 0, true)
	defer s.Close()
	commitEvents(t, s, 2)
	if err := s.Err(); err != nil {
		t.Fatalf("Err of a healthy store: %v", err)
	}
	ch, _ := eventlog.NewChain(0, eventlog.GenesisHash) // does not follow the head
	r, _ := ch.Next("test.event", journalTestTime, []byte(`{}`))
	if err := s.Commit(&Batch{Records: []eventlog.Record{r}}); !errors.Is(err, eventlog.ErrBrokenChain) {
		t.Fatalf("Commit of an unlinked record: %v, want eventlog.ErrBrokenChain", err)
	}
	if err := s.Commit(&Batch{Writes: []Write{{Bucket: BucketMeta, Key: metaHead, Value: []byte("x")}}}); err == nil {
		t.Fatal("Commit wrote the head as a private write")
	}
	if err := s.Update(func(tx *Tx) error { return tx.Put(BucketMeta, metaJournal, []byte("x")) }); err == nil {
		t.Fatal("Update wrote the journal's position")
	}
	seq, hash := s.Head()
	ch, _ = eventlog.NewChain(seq, hash)
	bad, _ := ch.Next("test.event", journalTestTime, []byte(`{}`))
	bad.Hash = strings.Repeat("z", 64)
	if err := s.Commit(&Batch{Records: []eventlog.Record{bad}}); !errors.Is(err, eventlog.ErrBrokenChain) {
		t.Fatalf("Commit of a record with a bad hash: %v, want eventlog.ErrBrokenChain", err)
	}
	if err := s.Commit(&Batch{Snapshot: []byte(`{}`), SnapshotSeq: 3}); !errors.Is(err, eventlog.ErrInvalid) {
		t.Fatalf("Commit of a snapshot after the head: %v, want eventlog.ErrInvalid", err)
	}
	if seq, _ := s.Head(); seq != 2 {
		t.Fatalf("head %d after refused commits, want 2", seq)
	}
	// A failed journal write fails every later commit.
	s.journal.f.Close()
	seq, hash = s.Head()
	ch, _ = eventlog.NewChain(seq, hash)
	r, _ = ch.Next("test.event", journalTestTime, []byte(`{}`))
	if err := s.Commit(&Batch{Records: []eventlog.Record{r}}); err == nil {
		t.Fatal("Commit succeeded on a closed journal")
	}
	if err := s.Commit(&Batch{Records: []eventlog.Record{r}}); err == nil {
		t.Fatal("Commit succeeded after a journal failure")
	}
	if s.Err() == nil {
		t.Fatal("Err is nil after a journal failure")
	}
	if s, _ := s.Head(); s != 2 {
		t.Fatalf("head %d after failed commits, want 2", s)
	}
}

func TestJournalConcurrentReadersDuringCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hall.db")
	s, err := Open(path, Options{Journal: true, JournalSize: 64 << 10, NoSync: true, applyDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				head, _ := s.Head()
				recs, err := s.EventsAfter(0, 100000)
				if err != nil {
					errs <- err
					return
				}
				if uint64(len(recs)) < head {
					errs <- fmt.Errorf("read %d events after the head was %d", len(recs), head)
					return
				}
				for i, r := range recs {
					if r.Seq != uint64(i+1) {
						errs <- fmt.Errorf("event %d at position %d", r.Seq, i+1)
						return
					}
				}
			}
		}()
	}
	var want []eventlog.Record
	for range 200 {
		want = append(want, commitEvents(t, s, 3)...)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkLog(t, s, want)
}

// FuzzReadFrames: whatever a journal file holds after a crash or a bad disk,
// reading it never panics, and the frames it returns number one after the
// other, each decoded from a frame its encoder could have written.
func FuzzReadFrames(f *testing.F) {
	ch, _ := eventlog.NewChain(0, eventlog.GenesisHash)
	var recs []eventlog.Record
	for i := range 3 {
		r, _ := ch.Next("test.event", journalTestTime, fmt.Appendf(nil, `{"n":%d}`, i))
		recs = append(recs, r)
	}
	var file []byte
	for i, b := range []*Batch{
		{Records: recs[:2], Writes: []Write{{BucketIdempotency, []byte("k"), []byte("v")}}},
		{Records: recs[2:], Writes: []Write{{Bucket: BucketIdentities, Key: []byte("gone")}}},
		{},
	} {
		var err error
		if file, err = appendFrame(file, uint64(7+i), b); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(file)
	f.Add(file[:len(file)-3])
	f.Add(append(file[:25:25], make([]byte, 40)...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		frames, err := parseFrames(data)
		if err != nil {
			return // a frame with a good CRC and a bad payload: refused, not guessed at
		}
		var again []byte
		for i, fr := range frames {
			if i > 0 && fr.lsn != frames[i-1].lsn+1 {
				t.Fatalf("frame %d has lsn %d after %d", i, fr.lsn, frames[i-1].lsn)
			}
			if again, err = appendFrame(again, fr.lsn, fr.batch); err != nil {
				t.Fatalf("frame %d does not encode again: %v", fr.lsn, err)
			}
		}
		if !bytes.Equal(again, data[:len(again)]) {
			t.Fatal("the frames read do not encode to the bytes they were read from")
		}
	})
}

// FuzzDecodeBatch: a frame's payload, whatever its bytes (the CRC only says
// they are what was written), decodes without panicking, and what decodes
// encodes back to the same bytes.
func FuzzDecodeBatch(f *testing.F) {
	frame, err := appendFrame(nil, 1, &Batch{
		Records: []eventlog.Record{{Raw: []byte(`{"seq":1}`)}},
		Writes:  []Write{{BucketIdempotency, []byte("k"), []byte("v")}, {Bucket: BucketIdentities, Key: []byte("gone")}, {BucketMeta, []byte("e"), []byte{}}},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(frame[frameHeader:])
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, payload []byte) {
		b, err := decodeBatch(payload)
		if err != nil {
			return
		}
		again, err := appendFrame(nil, 1, b)
		if err != nil {
			return // a bucket name longer than a frame can say is refused when written
		}
		if !bytes.Equal(again[frameHeader:], payload) {
			t.Fatalf("decoded %q, encodes to %q", payload, again[frameHeader:])
		}
	})
}

// TestReadFramesFrom: the frames bbolt already has are checked but not
// returned nor decoded, even one whose payload would not decode; a frame
// out of order still ends the journal.
func TestReadFramesFrom(t *testing.T) {
	ch, _ := eventlog.NewChain(0, eventlog.GenesisHash)
	r, _ := ch.Next("test.event", journalTestTime, []byte(`{"n":1}`))
	var file []byte
	var err error
	// Frame 7's payload does not decode (a record longer than the frame),
	// under a good CRC: readable only if skipped.
	bad := []byte(frameMagic + "\x00\x00\x00\x04" + "\x00\x00\x00\x00\x00\x00\x00\x07" + "\x00\x00\x00\x00" + "\x00\x00\x00\x09")
	binary.BigEndian.PutUint32(bad[16:], crc32.Update(crc32.Checksum(bad[8:16], castagnoli), castagnoli, bad[20:]))
	file = append(file, bad...)
	for lsn := uint64(8); lsn <= 10; lsn++ {
		if file, err = appendFrame(file, lsn, &Batch{Records: []eventlog.Record{r}}); err != nil {
			t.Fatal(err)
		}
	}
	if file, err = appendFrame(file, 5, &Batch{}); err != nil { // stale, from before a wrap
		t.Fatal(err)
	}
	if _, err := parseFrames(file); err == nil {
		t.Fatal("all frames read: frame 7's payload decoded")
	}
	for _, from := range []uint64{8, 9, 11} {
		frames, err := scanFrames(bytes.NewReader(file), int64(len(file)), from)
		if err != nil {
			t.Fatalf("from %d: %v", from, err)
		}
		var got []uint64
		for _, fr := range frames {
			got = append(got, fr.lsn)
			if len(fr.batch.Records) != 1 || !bytes.Equal(fr.batch.Records[0].Raw, r.Raw) {
				t.Fatalf("from %d: frame %d decoded as %+v", from, fr.lsn, fr.batch)
			}
		}
		want := []uint64{}
		for lsn := from; lsn <= 10; lsn++ {
			want = append(want, lsn)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("from %d: frames %v, want %v", from, got, want)
		}
	}
}

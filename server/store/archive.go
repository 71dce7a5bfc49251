package store

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"hallq/server/eventlog"
)

// ArchiveDir is the directory, beside the store's file, that holds the
// archives of past days.
const ArchiveDir = "archive"

// BucketArchives lists the archives: first seq (8-byte big-endian) -> the
// Archive as JSON. Only the store writes it.
var BucketArchives = Bucket("archives")

// archivePage is how many events an archive is written with at a time.
const archivePage = 1000

// deleteChunk is how many archived events one transaction deletes from the
// bbolt file (a variable for tests).
var deleteChunk = 5000

// Archive describes one archive file: the events first..last of the log,
// each line the event's published bytes followed by a newline, exactly as
// /log.jsonl serves them. Once listed, the file is never written again.
type Archive struct {
	Name     string `json:"name"` // file name in ArchiveDir, e.g. 2026-06-10.jsonl
	First    uint64 `json:"first"`
	Last     uint64 `json:"last"`
	Count    uint64 `json:"count"`
	PrevHash string `json:"prev_hash"` // prev_hash of event First
	Hash     string `json:"hash"`      // hash of event Last
	Size     int64  `json:"size"`      // bytes
	SHA256   string `json:"sha256"`    // of the file's bytes
}

// Archives returns the archives of the store, oldest first: the events up
// to the last one's Last are read from them.
func (s *Store) Archives() []Archive {
	if l := s.archives.Load(); l != nil {
		return slices.Clone(*l)
	}
	return nil
}

// ArchivePath returns the path of archive a's file.
func (s *Store) ArchivePath(a Archive) string { return filepath.Join(s.archiveDir, a.Name) }

// OpenArchive opens the archive holding exactly the events first..last, if
// there is one: a day's archive is served by copying the file. The caller
// closes the file.
func (s *Store) OpenArchive(first, last uint64) (*os.File, Archive, bool) {
	l := s.archiveList()
	i, ok := slices.BinarySearchFunc(l, first, func(a Archive, seq uint64) int { return cmpSeq(a.First, seq) })
	if !ok || l[i].Last != last {
		return nil, Archive{}, false
	}
	f, err := os.Open(s.ArchivePath(l[i]))
	if err != nil {
		return nil, Archive{}, false
	}
	return f, l[i], true
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// archiveList returns the shared list of archives (not to be changed).
func (s *Store) archiveList() []Archive {
	if l := s.archives.Load(); l != nil {
		return *l
	}
	return nil
}

// archived returns the seq and hash of the last archived event, (0,
// genesis) when there is none.
func archivedHead(l []Archive) (uint64, string) {
	if len(l) == 0 {
		return 0, eventlog.GenesisHash
	}
	a := l[len(l)-1]
	return a.Last, a.Hash
}

// ArchiveDays moves the events of every past date out of the bbolt file
// into one archive per date: a date, in loc, is past once the log holds an
// event of a later date (the next day's seal), as event times do not
// decrease along the log. Each archive is written to a temporary file,
// synced, renamed into ArchiveDir and the directory synced; then it is
// listed in the bbolt file, and only then are its events deleted from the
// file, a few thousand per transaction. A crash at any point leaves every
// event readable from the file or an archive: Open finishes the deletions,
// and the next ArchiveDays writes again an archive that was not listed. It
// returns the archives it made; ctx stops it between pages.
func (s *Store) ArchiveDays(ctx context.Context, loc *time.Location) ([]Archive, error) {
	s.archMu.Lock()
	defer s.archMu.Unlock()
	if loc == nil {
		loc = time.UTC
	}
	if err := s.flush(); err != nil { // the next day's first events may be journaled only
		return nil, err
	}
	var made []Archive
	for {
		first, last, name, err := s.nextDay(loc)
		if err != nil || last == 0 {
			return made, err
		}
		a, err := s.writeArchive(ctx, name, first, last)
		if err != nil {
			return made, err
		}
		s.pause(ctx)
		if err := s.listArchive(a); err != nil {
			return made, err
		}
		made = append(made, a)
		s.pause(ctx)
		if err := s.dropArchived(ctx, a.Last); err != nil {
			return made, err
		}
	}
}

// nextDay finds the events first..last of the oldest date not archived
// whose next date has begun in the bbolt file; last is 0 when there is none.
func (s *Store) nextDay(loc *time.Location) (first, last uint64, name string, err error) {
	done, _ := archivedHead(s.archiveList())
	first = done + 1
	err = s.db.View(func(btx *bolt.Tx) error {
		b := btx.Bucket(BucketEvents)
		k, _ := b.Cursor().Last()
		if k == nil {
			return nil
		}
		end := binary.BigEndian.Uint64(k)
		rec, err := eventAt(b, first)
		if err != nil {
			return err
		}
		y, m, d := rec.Time.In(loc).Date()
		next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		lo, hi := first+1, end+1 // the first event at or after next
		for lo < hi {
			mid := lo + (hi-lo)/2
			r, err := eventAt(b, mid)
			if err != nil {
				return err
			}
			if r.Time.Before(next) {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		if lo > end {
			return nil // the date goes on
		}
		last = lo - 1
		name = time.Date(y, m, d, 0, 0, 0, 0, loc).Format(time.DateOnly)
		return nil
	})
	if err != nil || last == 0 {
		return 0, 0, "", err
	}
	for _, a := range s.archiveList() {
		if a.Name == name+".jsonl" {
			// The date was archived already: the hall's time zone changed
			// since (the engine keeps event times in order, so a clock set
			// back does not do this). The second stretch of the date gets a
			// name of its own, after its first event.
			name = fmt.Sprintf("%s.%d", name, first)
		}
	}
	return first, last, name + ".jsonl", nil
}

// eventAt parses event seq of the events bucket.
func eventAt(b *bolt.Bucket, seq uint64) (eventlog.Record, error) {
	v := b.Get(seqKey(seq))
	if v == nil {
		return eventlog.Record{}, &eventlog.ChainError{Seq: seq, Reason: "missing"}
	}
	return eventlog.Parse(v)
}

// writeArchive writes events first..last into ArchiveDir/name, verifying
// their chain from the last archived hash, and syncs it into place.
func (s *Store) writeArchive(ctx context.Context, name string, first, last uint64) (Archive, error) {
	fail := func(err error) (Archive, error) {
		return Archive{}, fmt.Errorf("store: archive events %d..%d: %w", first, last, err)
	}
	if err := os.MkdirAll(s.archiveDir, 0o700); err != nil {
		return fail(err)
	}
	_, prevHash := archivedHead(s.archiveList())
	v, err := eventlog.NewVerifier(first-1, prevHash)
	if err != nil {
		return fail(err)
	}
	path := filepath.Join(s.archiveDir, name)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp) // after the rename, there is nothing to remove
	defer f.Close()
	sum := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, sum), 256<<10)
	a := Archive{Name: name, First: first, Last: last, Count: last - first + 1}
	for seq := first; seq <= last; {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		err := s.db.View(func(btx *bolt.Tx) error {
			c := btx.Bucket(BucketEvents).Cursor()
			k, raw := c.Seek(seqKey(seq))
			for n := 0; n < archivePage && seq <= last; n++ {
				if k == nil || binary.BigEndian.Uint64(k) != seq {
					return &eventlog.ChainError{Seq: seq, Reason: "missing"}
				}
				rec, err := v.Next(raw)
				if err != nil {
					return err
				}
				if seq == first {
					a.PrevHash = rec.PrevHash
				}
				a.Hash = rec.Hash
				w.Write(raw)
				if err := w.WriteByte('\n'); err != nil {
					return err
				}
				a.Size += int64(len(raw)) + 1
				seq++
				k, raw = c.Next()
			}
			return nil
		})
		if err != nil {
			return fail(err)
		}
		s.pause(ctx)
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	if !s.noSync {
		if err := f.Sync(); err != nil {
			return fail(err)
		}
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	if err := syncDir(path); err != nil {
		return fail(err)
	}
	a.SHA256 = hex.EncodeToString(sum.Sum(nil))
	return a, nil
}

// pause waits Options.ArchiveStep, for crash tests, or until ctx ends.
func (s *Store) pause(ctx context.Context) {
	if s.archiveStep > 0 {
		t := time.NewTimer(s.archiveStep)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
}

// listArchive makes archive a the source of its events: readers take it
// from the list at once (the file is complete and synced), and the bbolt
// file lists it before any of its events is deleted.
func (s *Store) listArchive(a Archive) error {
	l := append(slices.Clone(s.archiveList()), a)
	s.archives.Store(&l)
	data, err := json.Marshal(&a)
	if err != nil {
		return fmt.Errorf("store: list archive %s: %w", a.Name, err)
	}
	s.boltMu.Lock()
	defer s.boltMu.Unlock()
	err = s.db.Update(func(btx *bolt.Tx) error {
		return btx.Bucket(BucketArchives).Put(seqKey(a.First), data)
	})
	if err != nil {
		return fmt.Errorf("store: list archive %s: %w", a.Name, err)
	}
	s.zero.nudge()
	return nil
}

// dropArchived deletes from the bbolt file the events up to last, which
// archives hold, deleteChunk events per transaction.
func (s *Store) dropArchived(ctx context.Context, last uint64) error {
	for {
		more := false
		s.boltMu.Lock()
		err := s.db.Update(func(btx *bolt.Tx) error {
			c := btx.Bucket(BucketEvents).Cursor()
			n := 0
			for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= last; k, _ = c.Next() {
				if n == deleteChunk {
					more = true
					return nil
				}
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		s.boltMu.Unlock()
		if err != nil {
			return fmt.Errorf("store: delete archived events up to %d: %w", last, err)
		}
		s.zero.nudge()
		if !more {
			return nil
		}
		s.pause(ctx)
	}
}

// loadArchives reads the list of archives, checks that it forms one chain
// and that each file is in place with its size, and removes temporary
// files an interrupted archiving left.
func (s *Store) loadArchives(btx *bolt.Tx) error {
	var l []Archive
	next, prev := uint64(1), eventlog.GenesisHash
	err := btx.Bucket(BucketArchives).ForEach(func(k, v []byte) error {
		var a Archive
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("archive list entry %d: %w", binary.BigEndian.Uint64(k), err)
		}
		if a.First != next || a.PrevHash != prev || a.Last < a.First {
			return &eventlog.ChainError{Seq: a.First, Reason: fmt.Sprintf("archive %s does not follow event %d (%s)", a.Name, next-1, prev)}
		}
		fi, err := os.Stat(filepath.Join(s.archiveDir, a.Name))
		if err != nil {
			return fmt.Errorf("archive %s of events %d..%d: %w", a.Name, a.First, a.Last, err)
		}
		if fi.Size() != a.Size {
			return fmt.Errorf("archive %s of events %d..%d has %d bytes, want %d", a.Name, a.First, a.Last, fi.Size(), a.Size)
		}
		l = append(l, a)
		next, prev = a.Last+1, a.Hash
		return nil
	})
	if err != nil {
		return err
	}
	s.archives.Store(&l)
	if tmps, _ := filepath.Glob(filepath.Join(s.archiveDir, "*.tmp")); len(tmps) > 0 {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	return nil
}

// verifyArchives recomputes the chain of every archive that holds an event
// at or after from, reading its file through.
func (s *Store) verifyArchives(from uint64) error {
	for _, a := range s.archiveList() {
		if a.Last < from {
			continue
		}
		v, err := eventlog.NewVerifier(a.First-1, a.PrevHash)
		if err != nil {
			return err
		}
		err = s.readArchive(a, a.First, func(raw []byte) (bool, error) {
			_, err := v.Next(raw)
			return true, err
		})
		if err != nil {
			return err
		}
		if seq, hash := v.Head(); seq != a.Last || hash != a.Hash {
			return &eventlog.ChainError{Seq: seq, Reason: fmt.Sprintf("archive %s ends at event %d, its list entry at %d", a.Name, seq, a.Last)}
		}
	}
	return nil
}

// readArchive passes the lines of archive a from event seq on to fn until
// fn returns false or the file ends. The bytes are valid only during fn.
func (s *Store) readArchive(a Archive, seq uint64, fn func(raw []byte) (bool, error)) error {
	f, err := os.Open(s.ArchivePath(a))
	if err != nil {
		return fmt.Errorf("archive %s: %w", a.Name, err)
	}
	defer f.Close()
	off, err := seekSeq(f, a, seq)
	if err != nil {
		return fmt.Errorf("archive %s: %w", a.Name, err)
	}
	sc := bufio.NewScanner(io.NewSectionReader(f, off, a.Size-off))
	sc.Buffer(make([]byte, 0, 64<<10), eventlog.MaxEventSize+1)
	for sc.Scan() {
		more, err := fn(sc.Bytes())
		if err != nil || !more {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("archive %s: %w", a.Name, err)
	}
	return nil
}

// seekSeq returns the offset in archive a's file of the line of event seq,
// by binary search over byte offsets: the lines are in seq order.
func seekSeq(f *os.File, a Archive, seq uint64) (int64, error) {
	if seq <= a.First {
		return 0, nil
	}
	// lineAfter returns the start of the first line at or after off and its seq.
	buf := make([]byte, 4096)
	lineAfter := func(off int64) (int64, uint64, error) {
		start := off
		if off > 0 {
			for pos := off - 1; ; {
				n, err := f.ReadAt(buf, pos)
				if i := slices.Index(buf[:n], '\n'); i >= 0 {
					start = pos + int64(i) + 1
					break
				}
				if err != nil {
					return a.Size, ^uint64(0), nil // no line starts after off
				}
				pos += int64(n)
			}
		}
		if start >= a.Size {
			return a.Size, ^uint64(0), nil
		}
		n, err := f.ReadAt(buf[:min(64, len(buf))], start)
		if n == 0 {
			return 0, 0, err
		}
		got, ok := lineSeq(buf[:n])
		if !ok {
			return 0, 0, fmt.Errorf("no event at offset %d", start)
		}
		return start, got, nil
	}
	lo, hi := int64(0), a.Size
	for lo < hi {
		mid := lo + (hi-lo)/2
		_, got, err := lineAfter(mid)
		if err != nil {
			return 0, err
		}
		if got < seq {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	start, got, err := lineAfter(lo)
	if err != nil {
		return 0, err
	}
	if got != seq {
		return 0, &eventlog.ChainError{Seq: seq, Reason: "missing from its archive"}
	}
	return start, nil
}

// lineSeq reads the seq at the start of published bytes.
func lineSeq(raw []byte) (uint64, bool) {
	p, ok := strings.CutPrefix(string(raw[:min(len(raw), 40)]), `{"seq":`)
	if !ok {
		return 0, false
	}
	var n uint64
	i := 0
	for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
		n = n*10 + uint64(p[i]-'0')
	}
	return n, i > 0 && i < len(p) && p[i] == ','
}

// archivedRecords appends to recs the archived events after after, until
// limit or the end of the archives.
func (s *Store) archivedRecords(l []Archive, after uint64, limit int, recs []eventlog.Record) ([]eventlog.Record, error) {
	i, _ := slices.BinarySearchFunc(l, after+1, func(a Archive, seq uint64) int {
		if a.Last < seq {
			return -1
		}
		if a.First > seq {
			return 1
		}
		return 0
	})
	for ; i < len(l) && len(recs) < limit; i++ {
		want := max(after+1, l[i].First)
		err := s.readArchive(l[i], want, func(raw []byte) (bool, error) {
			r, err := eventlog.Parse(slices.Clone(raw))
			if err != nil {
				return false, err
			}
			if r.Seq != want {
				return false, &eventlog.ChainError{Seq: want, Reason: fmt.Sprintf("archive %s has event %d in its place", l[i].Name, r.Seq)}
			}
			want++
			recs = append(recs, r)
			return len(recs) < limit, nil
		})
		if err != nil {
			return recs, err
		}
	}
	return recs, nil
}

package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"hallq/server/eventlog"
)

// The journal's file layout. The file, <store>-journal, has a fixed size and
// is written with zeros when it is created, so a frame's fdatasync flushes data
// only (no block allocation, no size change). Frames follow one another from
// offset 0:
//
//	magic   4 bytes  "hqj1"
//	length  4 bytes  payload length, big-endian
//	lsn     8 bytes  frame number, big-endian: one more than the frame before
//	crc     4 bytes  CRC-32C (Castagnoli) of lsn and payload, big-endian
//	payload:
//	  records  4 bytes count, then per record: 4 bytes length, published bytes
//	  writes   4 bytes count, then per write: 1 byte bucket name length, the
//	           name, 4 bytes key length, key, 1 byte op (0 delete, 1 put),
//	           and for a put 4 bytes value length, value
//
// When the next frame does not fit, the writer waits until every frame is in
// bbolt and starts again at offset 0. Reading stops at the first frame whose
// magic or CRC is wrong or whose lsn does not follow the one before: a torn
// last write, zeros, or an older frame not yet overwritten (its lsn is lower).
// BucketMeta's "journal" key holds the lsn of the last frame bbolt has.

const (
	frameHeader = 20
	frameMagic  = "hqj1"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frame is a journaled batch that bbolt does not have yet.
type frame struct {
	lsn   uint64
	batch *Batch
	head  *head // after the batch
}

// readFrames reads the frames of f from offset 0 up to the first that is not
// the next one, and returns those from lsn from on. It reads only as far as
// the frames go: after a clean stop that is one header, not the whole
// preallocated file. The frames before from (bbolt has them) are checked as
// the others, but not decoded: after a kill under load the journal holds
// tens of megabytes of them.
func readFrames(f *os.File, from uint64) ([]*frame, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return scanFrames(bufio.NewReaderSize(io.NewSectionReader(f, 0, st.Size()), 256<<10), st.Size(), from)
}

// parseFrames reads all the frames of a journal's bytes, as readFrames.
func parseFrames(data []byte) ([]*frame, error) {
	return scanFrames(bytes.NewReader(data), int64(len(data)), 0)
}

// scanFrames reads frames from r, which holds size bytes, up to the first
// torn, stale or out-of-order one, and returns, decoded, those from lsn
// from on.
func scanFrames(r io.Reader, size int64, from uint64) ([]*frame, error) {
	var frames []*frame
	h := make([]byte, frameHeader)
	var payload []byte
	var last uint64 // the lsn of the frame before, 0 before the first
	for off := int64(0); off+frameHeader <= size; {
		if _, err := io.ReadFull(r, h); err != nil {
			return nil, fmt.Errorf("journal: read: %w", err)
		}
		n := int64(binary.BigEndian.Uint32(h[4:]))
		if string(h[:4]) != frameMagic || n > size-off-frameHeader {
			break
		}
		if int64(cap(payload)) < n {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(r, payload); err != nil {
			return nil, fmt.Errorf("journal: read: %w", err)
		}
		lsn := binary.BigEndian.Uint64(h[8:])
		crc := crc32.Update(crc32.Checksum(h[8:16], castagnoli), castagnoli, payload)
		if crc != binary.BigEndian.Uint32(h[16:]) {
			break
		}
		if off > 0 && lsn != last+1 {
			break
		}
		last, off = lsn, off+frameHeader+n
		if lsn < from {
			continue
		}
		b, err := decodeBatch(payload) // copies what it keeps
		if err != nil {
			// The CRC matched: this is not a torn write but a bad encoder.
			return nil, fmt.Errorf("journal: frame %d: %w", lsn, err)
		}
		frames = append(frames, &frame{lsn: lsn, batch: b})
	}
	return frames, nil
}

// appendFrame encodes b as frame lsn onto dst.
func appendFrame(dst []byte, lsn uint64, b *Batch) ([]byte, error) {
	start := len(dst)
	dst = append(dst, frameMagic...)
	dst = append(dst, 0, 0, 0, 0) // length
	dst = binary.BigEndian.AppendUint64(dst, lsn)
	dst = append(dst, 0, 0, 0, 0) // crc
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b.Records)))
	for _, r := range b.Records {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(r.Raw)))
		dst = append(dst, r.Raw...)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b.Writes)))
	for _, w := range b.Writes {
		if len(w.Bucket) == 0 || len(w.Bucket) > 255 {
			return nil, fmt.Errorf("bucket name %q: %w", w.Bucket, eventlog.ErrInvalid)
		}
		dst = append(dst, byte(len(w.Bucket)))
		dst = append(dst, w.Bucket...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(w.Key)))
		dst = append(dst, w.Key...)
		if w.Value == nil {
			dst = append(dst, 0)
			continue
		}
		dst = append(dst, 1)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(w.Value)))
		dst = append(dst, w.Value...)
	}
	n := len(dst) - start - frameHeader
	if uint64(n) > 1<<31 {
		return nil, fmt.Errorf("batch of %d bytes: %w", n, eventlog.ErrInvalid)
	}
	h := dst[start : start+frameHeader]
	binary.BigEndian.PutUint32(h[4:], uint32(n))
	crc := crc32.Update(crc32.Checksum(h[8:16], castagnoli), castagnoli, dst[start+frameHeader:])
	binary.BigEndian.PutUint32(h[16:], crc)
	return dst, nil
}

// decodeBatch decodes a frame's payload. Its slices are copies.
func decodeBatch(p []byte) (*Batch, error) {
	p = bytes.Clone(p)
	bad := errors.New("malformed payload")
	u32 := func() (int, bool) {
		if len(p) < 4 {
			return 0, false
		}
		n := int(binary.BigEndian.Uint32(p))
		p = p[4:]
		return n, true
	}
	take := func(n int) ([]byte, bool) {
		if n < 0 || n > len(p) {
			return nil, false
		}
		v := p[:n:n]
		p = p[n:]
		return v, true
	}
	b := &Batch{}
	n, ok := u32()
	if !ok {
		return nil, bad
	}
	for range n {
		l, ok := u32()
		if !ok {
			return nil, bad
		}
		raw, ok := take(l)
		if !ok {
			return nil, bad
		}
		b.Records = append(b.Records, eventlog.Record{Raw: raw})
	}
	if n, ok = u32(); !ok {
		return nil, bad
	}
	for range n {
		var w Write
		if len(p) < 1 {
			return nil, bad
		}
		l := int(p[0])
		p = p[1:]
		name, ok := take(l)
		if !ok {
			return nil, bad
		}
		w.Bucket = Bucket(name)
		if l, ok = u32(); !ok {
			return nil, bad
		}
		if w.Key, ok = take(l); !ok || len(p) < 1 {
			return nil, bad
		}
		op := p[0]
		p = p[1:]
		switch op {
		case 0:
		case 1:
			if l, ok = u32(); !ok {
				return nil, bad
			}
			if w.Value, ok = take(l); !ok {
				return nil, bad
			}
			if w.Value == nil {
				w.Value = []byte{}
			}
		default:
			return nil, bad
		}
		b.Writes = append(b.Writes, w)
	}
	if len(p) != 0 {
		return nil, bad
	}
	return b, nil
}

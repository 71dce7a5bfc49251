package eventlog

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// jsonl returns recs as JSON Lines.
func jsonl(recs []Record) []byte {
	var b bytes.Buffer
	for _, r := range recs {
		b.Write(r.Raw)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func TestVerifierNextAndAdd(t *testing.T) {
	recs := testLog(t, 6)
	next, _ := NewVerifier(0, GenesisHash)
	add, _ := NewVerifier(0, GenesisHash)
	for _, want := range recs {
		got, err := next.Next(want.Raw)
		if err != nil {
			t.Fatalf("Next(%d): %v", want.Seq, err)
		}
		if got.Seq != want.Seq || got.Hash != want.Hash || got.PrevHash != want.PrevHash ||
			got.Type != want.Type || !got.Time.Equal(want.Time) || string(got.Data) != string(want.Data) {
			t.Fatalf("Next(%d): got %+v, want %+v", want.Seq, got, want)
		}
		parsed, err := Parse(want.Raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := add.Add(parsed); err != nil {
			t.Fatalf("Add(%d): %v", want.Seq, err)
		}
	}
	for _, v := range []*Verifier{next, add} {
		if seq, hash := v.Head(); seq != 6 || hash != recs[5].Hash {
			t.Errorf("Head: got (%d, %s), want (6, %s)", seq, hash, recs[5].Hash)
		}
	}

	// A Record whose fields were changed after parsing does not pass Add.
	v, _ := NewVerifier(2, recs[1].Hash)
	forged := recs[2]
	forged.Hash = recs[3].Hash
	if err := v.Add(forged); !errors.Is(err, ErrBrokenChain) {
		t.Errorf("Add of a record with another hash: got %v, want ErrBrokenChain", err)
	}
	if err := v.Add(Record{Seq: 3}); !errors.Is(err, ErrBrokenChain) {
		t.Errorf("Add of an empty record: got %v, want ErrBrokenChain", err)
	}
	if err := v.Add(recs[3]); !errors.Is(err, ErrBrokenChain) {
		t.Errorf("Add of event 4 after event 2: got %v, want ErrBrokenChain", err)
	}
	if seq, hash := v.Head(); seq != 2 || hash != recs[1].Hash {
		t.Errorf("Head after refused records: got (%d, %s), want (2, %s)", seq, hash, recs[1].Hash)
	}
	if err := v.Add(recs[2]); err != nil {
		t.Errorf("Add of event 3 after event 2: %v", err)
	}

	// From a hash alone, the first seq is taken as it comes.
	v, _ = NewVerifier(0, recs[3].Hash)
	if _, err := v.Next(recs[4].Raw); err != nil {
		t.Errorf("Next(5) after the hash of 4: %v", err)
	}
	if seq, _ := v.Head(); seq != 5 {
		t.Errorf("Head: got %d, want 5", seq)
	}
	if _, err := NewVerifier(0, strings.ToUpper(recs[0].Hash)); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewVerifier with an upper-case hash: got %v, want ErrInvalid", err)
	}
}

func TestScanner(t *testing.T) {
	recs := testLog(t, 50)
	good := jsonl(recs)
	tamper := func(line int, f func(string) string) []byte {
		lines := strings.SplitAfter(string(good), "\n")
		lines[line-1] = f(lines[line-1])
		return []byte(strings.Join(lines, ""))
	}
	tests := []struct {
		name     string
		in       io.Reader
		from     int // events before the input's first
		want     int // events read before the end or the error
		wantLine int // line of the error, 0 for none
		wantErr  error
	}{
		{name: "whole log", in: bytes.NewReader(good), want: 50},
		{name: "one byte at a time", in: iotest.OneByteReader(bytes.NewReader(good)), want: 50},
		{name: "no final newline", in: bytes.NewReader(good[:len(good)-1]), want: 50},
		{name: "CRLF", in: strings.NewReader(strings.ReplaceAll(string(good), "\n", "\r\n")), want: 50},
		{name: "from event 20", in: bytes.NewReader(jsonl(recs[20:])), from: 20, want: 30},
		{name: "empty", in: strings.NewReader(""), want: 0},
		{name: "data changed", in: bytes.NewReader(tamper(7, func(s string) string { return strings.Replace(s, `"n":7`, `"n":8`, 1) })),
			want: 6, wantLine: 7, wantErr: ErrBrokenChain},
		{name: "line dropped", in: bytes.NewReader(tamper(9, func(string) string { return "" })),
			want: 8, wantLine: 9, wantErr: ErrBrokenChain},
		{name: "blank line", in: bytes.NewReader(tamper(3, func(s string) string { return "\n" + s })),
			want: 2, wantLine: 3, wantErr: ErrBrokenChain},
		{name: "not from genesis", in: bytes.NewReader(jsonl(recs[1:])), want: 0, wantLine: 1, wantErr: ErrBrokenChain},
		{name: "read error", in: io.MultiReader(bytes.NewReader(good[:len(good)/2]), iotest.ErrReader(io.ErrUnexpectedEOF)),
			want: -1, wantErr: io.ErrUnexpectedEOF},
		{name: "line too long", in: strings.NewReader(`{"seq":1,"time":"` + strings.Repeat("x", MaxEventSize) + "\n"),
			want: 0, wantLine: 1, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq, hash := uint64(0), GenesisHash
			if tt.from > 0 {
				seq, hash = recs[tt.from-1].Seq, recs[tt.from-1].Hash
			}
			v, err := NewVerifier(seq, hash)
			if err != nil {
				t.Fatal(err)
			}
			s := NewScanner(tt.in, v)
			n := 0
			for s.Scan() {
				rec := s.Record()
				if want := recs[tt.from+n]; rec.Seq != want.Seq || string(rec.Raw) != string(want.Raw) {
					t.Fatalf("event %d: got %s, want %s", n+1, rec.Raw, want.Raw)
				}
				n++
			}
			if tt.want >= 0 && n != tt.want {
				t.Errorf("read %d events, want %d (err %v)", n, tt.want, s.Err())
			}
			if tt.wantErr == nil {
				if s.Err() != nil {
					t.Fatalf("Err: %v", s.Err())
				}
				last := Record{Seq: 0, Hash: GenesisHash}
				if tt.want > 0 {
					last = recs[tt.from+tt.want-1]
				}
				if seq, hash := v.Head(); seq != last.Seq || hash != last.Hash {
					t.Errorf("head: got (%d, %s), want (%d, %s)", seq, hash, last.Seq, last.Hash)
				}
				return
			}
			if !errors.Is(s.Err(), tt.wantErr) {
				t.Fatalf("Err: got %v, want %v", s.Err(), tt.wantErr)
			}
			if tt.wantLine > 0 && !strings.Contains(s.Err().Error(), fmt.Sprintf("line %d:", tt.wantLine)) {
				t.Errorf("Err: got %v, want it to name line %d", s.Err(), tt.wantLine)
			}
			if s.Scan() {
				t.Errorf("Scan after an error: got true")
			}
		})
	}
}

// benchLog is a log of n ticket events shaped like a hall's, as JSON Lines.
func benchLog(b *testing.B, n int) []byte {
	b.Helper()
	c, _ := NewChain(0, GenesisHash)
	at := time.Date(2026, 11, 22, 0, 30, 0, 0, time.UTC)
	var out bytes.Buffer
	for i := range n {
		data := fmt.Sprintf(`{"ticket":"t%07d","number":"A%03d","service":"general","kiosk":"k1","ahead":%d,"issued_at":"2026-11-22T08:30:00.000+08:00"}`, i, i%1000, i%40)
		r, err := c.NextEncoded("ticket.issued", at.Add(time.Duration(i)*time.Millisecond), []byte(data))
		if err != nil {
			b.Fatal(err)
		}
		out.Write(r.Raw)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// BenchmarkScanner verifies a log of 100,000 events read as JSON Lines;
// BenchmarkScannerSHA256 is the floor beside it: SHA-256 over the same
// bytes, which any verifier must compute.
func BenchmarkScanner(b *testing.B) {
	const n = 100_000
	log := benchLog(b, n)
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	for b.Loop() {
		v, _ := NewVerifier(0, GenesisHash)
		s := NewScanner(bytes.NewReader(log), v)
		for s.Scan() {
		}
		if err := s.Err(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}

func BenchmarkScannerSHA256(b *testing.B) {
	const n = 100_000
	log := benchLog(b, n)
	lines := bytes.Split(log[:len(log)-1], []byte("\n"))
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			sha256.Sum256(l)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}

// BenchmarkParse is Parse alone, without the hash.
func BenchmarkParse(b *testing.B) {
	log := benchLog(b, 1)
	raw := log[:len(log)-1]
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"hallq/server/audit"
	"hallq/server/audit/audittest"
)

var (
	genOnce sync.Once
	genLog  *audittest.Log
	genErr  error
)

func hallDay(t testing.TB) *audittest.Log {
	genOnce.Do(func() {
		genLog, genErr = audittest.Generate(audittest.Options{Events: 5000, Seed: 2, Checkpoint: 400, Key: audittest.Key(1)})
	})
	if genErr != nil {
		t.Fatal(genErr)
	}
	return genLog
}

func writeLog(t *testing.T, raws [][]byte) string {
	t.Helper()
	var b bytes.Buffer
	for _, r := range raws {
		b.Write(r)
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "log.jsonl")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func verify(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &o, &e)
	return code, o.String(), e.String()
}

func TestCleanLog(t *testing.T) {
	path := writeLog(t, hallDay(t).Raws)
	code, out, errOut := verify(t, path)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"结论：日志链完整", "Result: the chain is intact", "manual calls", "p90", "转办 transfers"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = verify(t, "-json", "-tickets", path)
	var rep struct {
		Status     string `json:"status"`
		Consistent bool   `json:"consistent"`
		Days       []struct {
			Tickets []audit.TicketWait `json:"tickets"`
		} `json:"days"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitOK || rep.Status != "consistent" || len(rep.Days) == 0 || len(rep.Days[0].Tickets) == 0 {
		t.Fatalf("-json: exit %d, %v, %+v", code, err, rep)
	}
}

func TestTamperingExitsOne(t *testing.T) {
	l := hallDay(t)
	ts, err := audittest.Tamperings(l, audittest.Key(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range ts {
		t.Run(tt.Name, func(t *testing.T) {
			args := []string{"-json"}
			if tt.Key != "" {
				args = append(args, "-key", tt.Key)
			}
			if tt.Other != nil {
				args = append(args, "-compare", writeLog(t, tt.Other))
			}
			if tt.Remember != nil {
				data, _ := json.Marshal(tt.Remember)
				book := filepath.Join(t.TempDir(), "checkpoints.json")
				if err := os.WriteFile(book, data, 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "-checkpoints", book)
			}
			code, out, errOut := verify(t, append(args, writeLog(t, tt.Raws))...)
			if code != exitViolation {
				t.Fatalf("exit %d, want 1\n%s", code, errOut)
			}
			var rep audit.Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Findings {
				if f.Kind == tt.WantKind && f.Seq == tt.WantSeq {
					return
				}
			}
			t.Errorf("no %s finding at event %d in %d findings", tt.WantKind, tt.WantSeq, len(rep.Findings))
		})
	}
}

func TestCheckpointBook(t *testing.T) {
	l := hallDay(t)
	book := filepath.Join(t.TempDir(), "checkpoints.json")
	short := writeLog(t, l.Raws[:len(l.Raws)/2])
	if code, _, e := verify(t, "-checkpoints", book, short); code != exitOK {
		t.Fatalf("exit %d: %s", code, e)
	}
	data, err := os.ReadFile(book)
	if err != nil || !bytes.Contains(data, []byte(`"sig"`)) {
		t.Fatalf("the book holds no checkpoint: %v %s", err, data)
	}
	// The full log extends what was remembered.
	if code, _, e := verify(t, "-checkpoints", book, writeLog(t, l.Raws)); code != exitOK {
		t.Fatalf("exit %d: %s", code, e)
	}
	// A log cut back before the remembered checkpoints is a violation.
	code, out, _ := verify(t, "-checkpoints", book, writeLog(t, l.Raws[:100]))
	if code != exitViolation || !strings.Contains(out, "历史被截短") {
		t.Fatalf("cut-back log: exit %d\n%s", code, out)
	}
}

func TestCannotVerify(t *testing.T) {
	garbage := filepath.Join(t.TempDir(), "x.jsonl")
	os.WriteFile(garbage, []byte("hello\n"), 0o644)
	l := hallDay(t)
	tests := []struct {
		name string
		args []string
	}{
		{"no such file", []string{filepath.Join(t.TempDir(), "none.jsonl")}},
		{"not a log", []string{garbage}},
		{"no argument", nil},
		{"no hall description", []string{writeLog(t, l.Raws[1:])}},
		{"no server", []string{"http://127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, out, e := verify(t, tt.args...); code != exitCannot || !strings.Contains(e, "cannot verify") {
				t.Errorf("exit %d, want 2\n%s%s", code, out, e)
			}
		})
	}
}

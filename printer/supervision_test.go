package printer

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestReceiptPrintsTheSupervisionLine prints the supervision office's line
// under the privacy note, cut to one line, and nothing without one.
func TestReceiptPrintsTheSupervisionLine(t *testing.T) {
	for _, width := range []int{58, 80} {
		p, err := ProfileForWidth(width, NativeQR)
		if err != nil {
			t.Fatal(err)
		}
		tk := SampleTicket(SampleStatusURL, time.Time{})
		plain, err := Receipt(tk, p)
		if err != nil {
			t.Fatal(err)
		}
		tk.Supervision = "Complaints 0571-12345678"
		b, err := Receipt(tk, p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("Complaints 0571-12345678\n")) || bytes.Contains(plain, []byte("Complaints")) {
			t.Errorf("%d mm: the supervision line is missing, or printed without one: %q", width, b)
		}
		if len(b)-len(plain) > 2*p.Columns() {
			t.Errorf("%d mm: the line adds %d bytes", width, len(b)-len(plain))
		}
		tk.Supervision = strings.Repeat("0571-12345678 ", 10)
		long, err := Receipt(tk, p)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Count(long, []byte("\n")) - bytes.Count(plain, []byte("\n")); got != 1 {
			t.Errorf("%d mm: a long supervision line takes %d lines, want 1", width, got)
		}
	}
}

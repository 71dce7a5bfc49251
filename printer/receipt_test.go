package printer

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestReceiptNativeFitsIn1024Bytes(t *testing.T) {
	issued := time.Date(2025, 3, 14, 23, 59, 0, 0, time.UTC)
	sample := SampleTicket(SampleStatusURL, issued)
	long := sample
	long.Hall = "某某省某某市某某区人民政府政务服务中心不动产登记分中心"
	long.ServiceZH = "不动产登记（抵押、查封、异议登记）"
	long.ServiceEN = "Real Estate Registration: Mortgage, Seizure and Objection"
	long.Number = "VIP0123"
	long.Ahead = 1234
	long.ETA = 3*time.Hour + 7*time.Minute
	long.StatusURL = "https://hall-42.zwfw.example.gov.cn:8443/t/" + strings.Repeat("Z", 32)
	long.PrivacyNote = "本凭条不含任何个人身份信息，请妥善保管并按叫号前往窗口办理 No personal data"
	tickets := []struct {
		name string
		t    Ticket
	}{{"sample", sample}, {"long fields", long}}
	for _, tk := range tickets {
		for _, width := range []int{58, 80} {
			p, err := ProfileForWidth(width, NativeQR)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Receipt(tk.t, p)
			if err != nil {
				t.Fatalf("%s, %d mm: %v", tk.name, width, err)
			}
			if len(b) > 1024 {
				t.Errorf("%s, %d mm: got %d bytes, want at most 1024", tk.name, width, len(b))
			}
			store := append([]byte{GS, '(', 'k', byte(len(tk.t.StatusURL) + 3), 0, '1', 'P', '0'}, tk.t.StatusURL...)
			if !bytes.Contains(b, store) {
				t.Errorf("%s, %d mm: QR store command with %q not found", tk.name, width, tk.t.StatusURL)
			}
			if bytes.Contains(b, []byte{GS, 'v', '0'}) {
				t.Errorf("%s, %d mm: native receipt holds a raster image", tk.name, width)
			}
		}
	}
}

func TestReceiptRasterHasNoNativeQR(t *testing.T) {
	for _, width := range []int{58, 80} {
		p, err := ProfileForWidth(width, RasterQR)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Receipt(SampleTicket(SampleStatusURL, time.Time{}), p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte{GS, '(', 'k'}) {
			t.Errorf("%d mm: raster receipt holds a GS ( k command", width)
		}
		if bytes.Contains(b, []byte(SampleStatusURL)) {
			t.Errorf("%d mm: raster receipt holds the URL as text", width)
		}
		if !bytes.Contains(b, []byte{GS, 'v', '0'}) {
			t.Errorf("%d mm: raster receipt holds no GS v 0 image", width)
		}
	}
}

func TestReceiptRejects(t *testing.T) {
	good := SampleTicket(SampleStatusURL, time.Time{})
	p, _ := LookupProfile("generic-80")
	tests := []struct {
		name    string
		edit    func(*Ticket, *Profile)
		wantErr string
	}{
		{"no number", func(t *Ticket, _ *Profile) { t.Number = " " }, "empty number"},
		{"no URL", func(t *Ticket, _ *Profile) { t.StatusURL = "" }, "empty status URL"},
		{"negative ahead", func(t *Ticket, _ *Profile) { t.Ahead = -1 }, "negative people ahead"},
		{"bad profile", func(_ *Ticket, p *Profile) { p.Dots = 100 }, "dots 100"},
		{"URL too long for a QR code", func(t *Ticket, p *Profile) {
			p.QR = RasterQR
			t.StatusURL = strings.Repeat("u", 3000)
		}, "QR code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, pr := good, p
			tt.edit(&tk, &pr)
			_, err := Receipt(tk, pr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}

func TestFormatETA(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "即将叫号 soon"},
		{-time.Minute, "即将叫号 soon"},
		{time.Second, "约1分钟 min"},
		{18 * time.Minute, "约18分钟 min"},
		{18*time.Minute + time.Second, "约19分钟 min"},
		{59 * time.Minute, "约59分钟 min"},
		{80 * time.Minute, "约1小时20分 1h20m"},
	}
	for _, tt := range tests {
		if got := formatETA(tt.d); got != tt.want {
			t.Errorf("formatETA(%v): got %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name string
		s    string
		cols int
		want []string
	}{
		{"empty", "  ", 10, nil},
		{"fits", "Live status", 32, []string{"Live status"}},
		{"at a space", "Real Estate Registration", 12, []string{"Real Estate", "Registration"}},
		{"between Hanzi", "示例市政务服务中心", 8, []string{"示例市政", "务服务中", "心"}},
		{"mixed", "扫码查看 Live status", 10, []string{"扫码查看", "Live", "status"}},
		{"long word split", "ABCDEFGHIJ", 4, []string{"ABCD", "EFGH", "IJ"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrap(tt.s, tt.cols)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			for _, l := range got {
				if TextWidth(l) > tt.cols {
					t.Errorf("line %q is %d columns, want at most %d", l, TextWidth(l), tt.cols)
				}
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		cols int
		want string
	}{
		{"不含个人信息", 5, "不含"},
		{"abc", 5, "abc"},
		{"a不", 2, "a"},
	}
	for _, tt := range tests {
		if got := truncate(tt.s, tt.cols); got != tt.want {
			t.Errorf("truncate(%q, %d): got %q, want %q", tt.s, tt.cols, got, tt.want)
		}
	}
}

func TestReceiptPrintsTheLastCheckpoint(t *testing.T) {
	p, err := ProfileForWidth(80, NativeQR)
	if err != nil {
		t.Fatal(err)
	}
	tk := SampleTicket(SampleStatusURL, time.Time{})
	b, err := Receipt(tk, p)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("Signed #")) {
		t.Error("a ticket without a checkpoint prints one")
	}
	tk.CheckpointSeq, tk.CheckpointHash = 4001, "0123abcd4567ef890123abcd4567ef890123abcd4567ef890123abcd4567ef89"
	if b, err = Receipt(tk, p); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("Signed #4001 0123abcd\n")) || bytes.Contains(b, []byte("0123abcd4")) {
		t.Errorf("the receipt does not print the checkpoint's seq and the first 8 hex of its hash: %q", b)
	}
}

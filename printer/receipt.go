package printer

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Ticket is what a receipt shows. The kiosk fills it from the server's answer
// (or from its lease when offline); every field is printed as given.
type Ticket struct {
	// Hall is the hall's name, such as "示例市政务服务中心".
	Hall string
	// ServiceZH and ServiceEN name the service in Chinese and English.
	ServiceZH, ServiceEN string
	// Number is the ticket number, such as "A023". It prints very large.
	Number string
	// Ahead is how many people wait before this ticket.
	Ahead int
	// ETA is the estimated wait; zero or less prints as "soon".
	ETA time.Duration
	// IssuedAt is the issue time, printed in its own location (pass it in
	// the hall's time zone).
	IssuedAt time.Time
	// StatusURL is the live status page, http://…/t/{token}; the QR code
	// carries it.
	StatusURL string
	// LogSeq and LogHash are the ticket's position in the public event log
	// and the chain hash there; the receipt prints the first ShortHashLen
	// characters of the hash.
	LogSeq  uint64
	LogHash string
	// CheckpointSeq and CheckpointHash are what the hall's last signed
	// checkpoint signed: the receipt prints the seq and the first
	// CheckpointHashLen characters of the hash, so that its holder can later
	// show which history it belonged to. Zero prints nothing.
	CheckpointSeq  uint64
	CheckpointHash string
	// PrivacyNote is one line on personal data; empty means
	// DefaultPrivacyNote. It is cut to one line.
	PrivacyNote string
	// Supervision is one short line of the supervision office's contact,
	// such as "监督电话 Complaints 0571-12345678"; empty prints nothing. It is
	// cut to one line.
	Supervision string
}

// DefaultPrivacyNote is the privacy line of a ticket that sets none.
const DefaultPrivacyNote = "不含个人信息 No personal data"

// ShortHashLen is how many characters of the log hash a receipt prints.
const ShortHashLen = 12

// CheckpointHashLen is how many characters of the checkpoint's hash a receipt prints.
const CheckpointHashLen = 8

// Validate reports the first field of t a receipt cannot do without.
func (t Ticket) Validate() error {
	switch {
	case strings.TrimSpace(t.Number) == "":
		return errors.New("printer: ticket: empty number")
	case t.StatusURL == "":
		return fmt.Errorf("printer: ticket %s: empty status URL", t.Number)
	case t.Ahead < 0:
		return fmt.Errorf("printer: ticket %s: negative people ahead %d", t.Number, t.Ahead)
	}
	return nil
}

// Receipt lays out the receipt of t for the printer p describes and returns
// the whole job, from ESC @ to the cut: hall name, service in Chinese and
// English, the number very large, people ahead, estimated wait, issue time,
// the QR code of the status URL (native or raster, as p says), a privacy line
// and the public log position with a short hash. With a native QR code the job
// is a few hundred bytes.
func Receipt(t Ticket, p Profile) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	cols := p.Columns()
	j := &job{cp: p.CodePage}

	j.add(Init())
	j.add(ChineseMode(true))
	j.add(SetAlign(AlignCenter))

	// Header: hall and service, large when they fit on one line.
	j.add(SetEmphasis(true))
	j.heading(t.Hall, cols)
	j.add(SetEmphasis(false))
	j.line(strings.Repeat("-", cols))
	j.heading(t.ServiceZH, cols)
	for _, l := range wrap(t.ServiceEN, cols) {
		j.line(l)
	}

	// The number, as large as the paper allows (at most 8 times).
	j.line("")
	j.line("您的号码 Your number")
	num := strings.TrimSpace(t.Number)
	m := max(1, min(8, (cols-2)/TextWidth(num)))
	j.add(SetEmphasis(true))
	j.size(m, m)
	j.line(num)
	j.size(1, 1)
	j.add(SetEmphasis(false))

	// Queue facts, label left and value right.
	j.add(SetAlign(AlignLeft))
	j.pair("前面还有 Ahead", fmt.Sprintf("%d 人", t.Ahead), cols)
	j.pair("预计等待 Est. wait", formatETA(t.ETA), cols)
	if !t.IssuedAt.IsZero() {
		j.pair("取号时间 Issued", t.IssuedAt.Format("2006-01-02 15:04"), cols)
	}

	// The QR code, with a quiet zone of four modules above and below.
	j.add(SetAlign(AlignCenter))
	quiet := min(255, 4*p.QRModule)
	j.addErr(FeedDots(quiet))
	qo := QROptions{Module: p.QRModule, Level: p.QRLevel}
	if p.QR == NativeQR {
		j.addErr(QRNative(t.StatusURL, qo))
	} else {
		j.addErr(QRRaster(t.StatusURL, qo))
	}
	j.addErr(FeedDots(quiet))
	for _, l := range wrap("扫码查看叫号进度 Live status", cols) {
		j.line(l)
	}

	// Footer: privacy and the public log.
	note := t.PrivacyNote
	if note == "" {
		note = DefaultPrivacyNote
	}
	j.line(truncate(note, cols))
	if sv := strings.TrimSpace(t.Supervision); sv != "" {
		j.line(truncate(sv, cols))
	}
	j.line(strings.Repeat("-", cols))
	hash := t.LogHash
	if utf8.RuneCountInString(hash) > ShortHashLen {
		hash = string([]rune(hash)[:ShortHashLen])
	}
	j.line(truncate(strings.TrimSpace(fmt.Sprintf("公开日志 Log #%d %s", t.LogSeq, hash)), cols))
	if t.CheckpointSeq > 0 {
		cp := t.CheckpointHash
		if utf8.RuneCountInString(cp) > CheckpointHashLen {
			cp = string([]rune(cp)[:CheckpointHashLen])
		}
		j.line(truncate(fmt.Sprintf("签名检查点 Signed #%d %s", t.CheckpointSeq, cp), cols))
	}

	j.addErr(Cut(p.Cut, p.FeedLines))
	if j.err != nil {
		return nil, fmt.Errorf("printer: receipt of ticket %s: %w", t.Number, j.err)
	}
	return j.buf, nil
}

// formatETA renders an estimated wait for the receipt.
func formatETA(d time.Duration) string {
	if d <= 0 {
		return "即将叫号 soon"
	}
	mins := int((d + time.Minute - 1) / time.Minute)
	if mins < 60 {
		return fmt.Sprintf("约%d分钟 min", mins)
	}
	return fmt.Sprintf("约%d小时%d分 %dh%02dm", mins/60, mins%60, mins/60, mins%60)
}

// job accumulates the bytes of one print job; the first error sticks.
type job struct {
	buf []byte
	cp  CodePage
	err error
}

func (j *job) add(b []byte) { j.buf = append(j.buf, b...) }

func (j *job) addErr(b []byte, err error) {
	if err != nil {
		if j.err == nil {
			j.err = err
		}
		return
	}
	j.add(b)
}

func (j *job) size(w, h int) { j.addErr(SetSize(w, h)) }

// line prints s and a line feed.
func (j *job) line(s string) {
	j.addErr(Text(s, j.cp))
	j.add(LineFeed())
}

// heading prints s twice as wide and high when it fits on one line, else
// twice as high only, wrapped.
func (j *job) heading(s string, cols int) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	if TextWidth(s)*2 <= cols {
		j.size(2, 2)
		j.line(s)
	} else {
		j.size(1, 2)
		for _, l := range wrap(s, cols) {
			j.line(l)
		}
	}
	j.size(1, 1)
}

// pair prints label on the left and value on the right of one line, or value
// right-aligned on a line of its own when both do not fit.
func (j *job) pair(label, value string, cols int) {
	lw, vw := TextWidth(label), TextWidth(value)
	if lw+1+vw <= cols {
		j.line(label + strings.Repeat(" ", cols-lw-vw) + value)
		return
	}
	j.line(truncate(label, cols))
	j.line(strings.Repeat(" ", max(0, cols-vw)) + truncate(value, cols))
}

// wrap breaks s into lines of at most cols columns (TextWidth), breaking
// between Chinese characters and at spaces between words; a word longer than
// a line is split.
func wrap(s string, cols int) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var lines []string
	var cur strings.Builder
	curW := 0
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		curW = 0
	}
	for _, tok := range tokens(s) {
		tw := TextWidth(tok)
		if tok == " " {
			if curW > 0 && curW < cols {
				cur.WriteString(tok)
				curW++
			}
			continue
		}
		if curW > 0 && curW+tw > cols {
			flush()
		}
		for tw > cols { // a word longer than a line
			head := truncate(tok, cols-curW)
			cur.WriteString(head)
			flush()
			tok = tok[len(head):]
			tw = TextWidth(tok)
		}
		cur.WriteString(tok)
		curW += tw
	}
	if curW > 0 {
		flush()
	}
	return lines
}

// tokens splits s into ASCII words, single spaces and single non-ASCII characters.
func tokens(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		word := r < 0x80 && r != ' '
		if word {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
		if r == ' ' {
			out = append(out, " ")
		} else {
			out = append(out, string(r))
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// truncate returns the longest prefix of s at most cols columns wide.
func truncate(s string, cols int) string {
	w := 0
	for i, r := range s {
		rw := TextWidth(string(r))
		if w+rw > cols {
			return s[:i]
		}
		w += rw
	}
	return s
}

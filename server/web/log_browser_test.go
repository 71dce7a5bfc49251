package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hallq/server/eventlog"
)

func TestWebLogVerify(t *testing.T) {
	h := newTestHall(t)
	for i, svc := range []string{"general", "estate", "general", "general", "estate"} {
		h.Issue(fmt.Sprintf(`{"service":%q,"idempotency_key":"k%d"}`, svc, i))
	}
	wang, csrf := h.Staff(0, "1")
	for _, step := range []struct{ action, body string }{
		{"open", ""}, {"call-next", ""}, {"complete", ""},
		{"call", `{"number":"A003","reason":"returned"}`}, {"no-show", ""},
	} {
		if code, raw := h.Act(wang, csrf, "1", step.action, step.body); code != 200 {
			t.Fatalf("%s: %d %s", step.action, code, raw)
		}
	}
	head, headHash := h.Engine.Head()

	br := newBrowser(t)
	tab := br.tab(1366, 900)
	must(t, tab, chromedp.Navigate(h.URL+"/log"))
	rows := `document.querySelectorAll('#l-rows tr')`
	waitFor(t, tab, pageWait, fmt.Sprintf(`%s.length === %d`, rows, head), rows+`.length`)
	if got := eval[string](t, tab, rows+`[0].dataset.seq`); got != fmt.Sprint(head) {
		t.Fatalf("first row is seq %s, want the newest, %d", got, head)
	}

	// The manual call is set apart with its reason and the rule's pick.
	manual := eval[[]string](t, tab, `Array.from(document.querySelectorAll('#l-rows tr.manual')).map(function (r) { return r.innerText; })`)
	if len(manual) != 1 || !strings.Contains(manual[0], "A003") || !strings.Contains(manual[0], "人工指定（不按顺序）") ||
		!strings.Contains(manual[0], "补办材料返回") || !strings.Contains(manual[0], "按规则应叫 A002") {
		t.Fatalf("manual calls: got %q", manual)
	}

	// Filters.
	visible := func() []string {
		return eval[[]string](t, tab, `Array.from(document.querySelectorAll('#l-rows tr')).map(function (r) { return r.innerText.replace(/\s+/g, ' '); })`)
	}
	must(t, tab, chromedp.SetValue(chromedp.CSS("#l-service"), "estate"))
	got := visible()
	if len(got) != 2 {
		t.Fatalf("estate filter: got %d rows %q, want the 2 issued", len(got), got)
	}
	for _, r := range got {
		if !strings.Contains(r, " C00") {
			t.Errorf("estate filter shows %q", r)
		}
	}
	must(t, tab, chromedp.SetValue(chromedp.CSS("#l-service"), ""), chromedp.SetValue(chromedp.CSS("#l-window"), "1"))
	got = visible()
	if len(got) != 5 { // opened, called, completed, called (manual), no-show
		t.Fatalf("window filter: got %d rows %q, want 5", len(got), got)
	}
	for _, r := range got {
		if !strings.Contains(r, "1号窗口") {
			t.Errorf("window filter shows %q", r)
		}
	}
	must(t, tab, chromedp.SetValue(chromedp.CSS("#l-window"), ""), chromedp.Click(chromedp.CSS("#l-calls")))
	if got := visible(); len(got) != 2 {
		t.Fatalf("calls only: got %q", got)
	}
	must(t, tab, chromedp.Click(chromedp.CSS("#l-calls")))
	today := h.Clock.Date() // the date of every event, whatever the browser's clock says
	must(t, tab, chromedp.SetValue(chromedp.CSS("#l-date"), today))
	waitFor(t, tab, pageWait, fmt.Sprintf(`%s.length === %d`, rows, head), rows+`.length`)
	must(t, tab, chromedp.SetValue(chromedp.CSS("#l-date"), "2020-01-01"))
	waitFor(t, tab, pageWait, rows+`.length === 0 && !document.getElementById('l-empty').hidden`, rows+`.length`)
	must(t, tab, chromedp.SetValue(chromedp.CSS("#l-date"), ""))
	waitFor(t, tab, pageWait, fmt.Sprintf(`%s.length === %d`, rows, head), rows+`.length`)

	// Verification in the browser reaches the server's head.
	verify := func(wantHead string) {
		t.Helper()
		must(t, tab, chromedp.Click(chromedp.CSS("#l-verify")))
		waitFor(t, tab, pageWait, `document.getElementById('l-result').dataset.ok === 'true'`, textOf("l-result"))
		if got := eval[string](t, tab, `document.getElementById('l-result').dataset.head`); got != wantHead {
			t.Fatalf("verified head %s, want %s", got, wantHead)
		}
		if txt := eval[string](t, tab, textOf("l-result")); !strings.Contains(txt, "与服务器公布的链头一致") || !strings.Contains(txt, "从第 1 条") {
			t.Fatalf("verification says %q; head line %q", txt, eval[string](t, tab, textOf("l-head")))
		}
	}
	verify(headHash)

	// A new event arrives live and extends what is verified.
	h.Issue(`{"service":"general","idempotency_key":"live"}`)
	head, headHash = h.Engine.Head()
	waitFor(t, tab, pageWait, fmt.Sprintf(`%s[0] && %s[0].dataset.seq === '%d'`, rows, rows, head), rows+`[0].dataset.seq`)
	verify(headHash)

	// A kiosk withdraws the ticket of a request it never got an answer to:
	// the log says so in words.
	_, lost, _ := h.Issue(`{"service":"general","idempotency_key":"lost"}`)
	kiosk := map[string]string{"Authorization": "Bearer " + h.Secrets.KioskToken}
	if code, raw := do(t, http.DefaultClient, "POST", h.URL+"/api/v1/tickets/withdraw", kiosk, `{"idempotency_key":"lost"}`, nil); code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", code, raw)
	}
	head, headHash = h.Engine.Head()
	waitFor(t, tab, pageWait, fmt.Sprintf(`%s[0] && %s[0].dataset.seq === '%d'`, rows, rows, head), rows+`[0].dataset.seq`)
	if txt := eval[string](t, tab, rows+`[0].innerText`); !strings.Contains(txt, "取号机未收到应答，未打印此号") || !strings.Contains(txt, lost.Ticket.Number) {
		t.Fatalf("the kiosk's withdrawal reads %q", txt)
	}
	screenshot(t, tab, "log-kiosk-withdrawal")
	verify(headHash)

	// Without Web Crypto (a hall served over plain http on its own network),
	// the page's own SHA-256 verifies the same chain.
	must(t, tab, chromedp.Evaluate[chromedp.Void](`hallq.webCrypto = false`))
	verify(headHash)
	if txt := eval[string](t, tab, textOf("l-result")); !strings.Contains(txt, "页面内置的 SHA-256") {
		t.Fatalf("verification without Web Crypto says %q", txt)
	}
	mismatch := eval[[]int](t, tab, `(function () {
		var lens = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 4099], bad = [];
		return Promise.all(lens.map(function (n) {
			var b = new Uint8Array(n);
			for (var i = 0; i < n; i++) b[i] = (i * 131 + n) & 255;
			return crypto.subtle.digest('SHA-256', b).then(function (d) {
				var want = new Uint8Array(d), got = hallq.sha256js(b);
				for (var i = 0; i < 32; i++) if (want[i] !== got[i]) { bad.push(n); return; }
			});
		})).then(function () { return bad; });
	})()`)
	if len(mismatch) > 0 {
		t.Fatalf("the page's SHA-256 differs from Web Crypto for inputs of %v bytes", mismatch)
	}

	// Files: the download verifies; tampered copies fail at the right record.
	resp, err := http.Get(h.URL + "/log.jsonl?download=1")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	resp.Body.Close()
	lines := bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
	if uint64(len(lines)) != head {
		t.Fatalf("download has %d lines, want %d", len(lines), head)
	}
	// Record k is the ticket.issued event of A002 (after day.opened, the
	// hall's published rules, appointment releases, A001 and C001).
	k := 0
	for i, l := range lines {
		if bytes.Contains(l, []byte(`"type":"ticket.issued"`)) && bytes.Contains(l, []byte(`"number":"A002"`)) {
			k = i + 1
			break
		}
	}
	if k == 0 {
		t.Fatal("no ticket.issued of A002 in the log")
	}
	join := func(ls [][]byte) []byte { return append(bytes.Join(ls, []byte("\n")), '\n') }
	tampered := func(i int, line []byte) []byte {
		c := make([][]byte, len(lines))
		copy(c, lines)
		c[i] = line
		return join(c)
	}
	rehashed := rehash(t, lines[k-1], bytes.Replace(lines[k-1], []byte("A002"), []byte("A009"), 1))
	tests := []struct {
		name    string
		file    []byte
		ok      bool
		seq     string
		message string
	}{
		{"as downloaded", join(lines), true, "", "从第 1 条"},
		{"one byte changed", tampered(k-1, bytes.Replace(lines[k-1], []byte("A002"), []byte("A003"), 1)), false, fmt.Sprint(k), "内容与哈希不符"},
		{"record removed", join(append(append([][]byte{}, lines[:k-1]...), lines[k:]...)), false, fmt.Sprint(k + 1), "序号不连续"},
		{"record rewritten with a new hash", tampered(k-1, rehashed), false, fmt.Sprint(k + 1), "prev_hash 与上一条记录的哈希不符"},
		{"not JSON", tampered(k-1, lines[k-1][1:]), false, "", fmt.Sprintf("第 %d 行：不是有效的 JSON 记录", k)},
	}
	dir := t.TempDir()
	must(t, tab, chromedp.Click(chromedp.CSS(".file-verify summary")))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("log-%d.jsonl", i))
			if err := os.WriteFile(path, tt.file, 0o644); err != nil {
				t.Fatal(err)
			}
			must(t, tab, chromedp.Evaluate[chromedp.Void](`document.getElementById('l-file-result').removeAttribute('data-ok')`))
			must(t, tab, chromedp.SetUploadFiles(chromedp.CSS("#l-file"), []string{path}))
			waitFor(t, tab, pageWait, `document.getElementById('l-file-result').dataset.ok !== undefined`, textOf("l-file-result"))
			res := eval[map[string]string](t, tab, `(function () { var e = document.getElementById('l-file-result');
				return {ok: e.dataset.ok, seq: e.dataset.seq || '', head: e.dataset.head || '', text: e.textContent}; })()`)
			if res["ok"] != fmt.Sprint(tt.ok) || res["seq"] != tt.seq || !strings.Contains(res["text"], tt.message) {
				t.Fatalf("got %v, want ok=%v seq=%q and %q", res, tt.ok, tt.seq, tt.message)
			}
			if tt.ok && res["head"] != headHash {
				t.Fatalf("file head %s, want %s", res["head"], headHash)
			}
		})
	}
	screenshot(t, tab, "log-verified")
	br.check(tab)
}

// rehash returns line with its data replaced as in changed and its hash
// recomputed, as a forger who rewrites one record would do.
func rehash(t *testing.T, line, changed []byte) []byte {
	t.Helper()
	rec, err := eventlog.Parse(line)
	if err != nil {
		t.Fatal(err)
	}
	prev, err := hex.DecodeString(rec.PrevHash)
	if err != nil {
		t.Fatal(err)
	}
	body := append(bytes.Clone(changed[:len(changed)-75]), '}')
	sum := sha256.Sum256(append(prev, body...))
	return append(body[:len(body)-1], []byte(`,"hash":"`+hex.EncodeToString(sum[:])+`"}`)...)
}

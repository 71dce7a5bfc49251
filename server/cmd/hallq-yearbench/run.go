package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"hallq/server/config"
	"hallq/server/keyfile"
)

// writeConfig writes the configuration of the generated hall (its services
// and windows), an identity key and the kiosk's token (kiosk-token) into dir.
func writeConfig(dir string) error {
	token, sum := config.NewDeviceToken()
	toml := fmt.Sprintf(`
[hall]
id = "gen"
name_zh = "测试大厅"
name_en = "Generated hall"
time_zone = "UTC"
day_start = "00:00"
hours = []

[[services]]
id = "general"
name_zh = "综合"
name_en = "General"
prefix = "A"
digits = 4

[[services]]
id = "tax"
name_zh = "税务"
name_en = "Tax"
prefix = "B"
digits = 4

[[services]]
id = "social"
name_zh = "社保"
name_en = "Social"
prefix = "C"
digits = 4

[[windows]]
id = "1"
name_zh = "1号"
name_en = "1"
primary = ["general"]
secondary = ["tax"]

[[windows]]
id = "2"
name_zh = "2号"
name_en = "2"
primary = ["tax"]

[[devices]]
id = "k1"
kind = "kiosk"
name = "取号机"
token_sha256 = %q

[limits]
tickets_per_kiosk_per_minute = 10000

[keys]
identity = "identity.key"
`, sum)
	if err := keyfile.Write(filepath.Join(dir, "identity.key"), keyfile.New(32)); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "kiosk-token"), []byte(token), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "hallq.toml"), []byte(toml), 0o600)
}

var listenRE = regexp.MustCompile(`hallq server listening.* addr=(\S+)`)

// proc is a running server.
type proc struct {
	cmd   *exec.Cmd
	base  string
	token string
	done  chan struct{}
}

// startup is what one start cost.
type startup struct {
	healthz, issued time.Duration
	rss             int64
}

// start runs the server on dir and waits until /healthz answers and a ticket
// is issued.
func start(server, dir string) (*proc, startup, error) {
	var su startup
	token, err := os.ReadFile(filepath.Join(dir, "kiosk-token"))
	if err != nil {
		return nil, su, err
	}
	cmd := exec.Command(server, "-data", dir, "-config", filepath.Join(dir, "hallq.toml"), "-addr", "127.0.0.1:0")
	cmd.Stdout = os.Stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, su, err
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, su, err
	}
	p := &proc{cmd: cmd, token: string(token), done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			} else if strings.Contains(sc.Text(), "level=ERROR") || strings.Contains(sc.Text(), "level=WARN") {
				fmt.Fprintln(os.Stderr, "server:", sc.Text())
			}
		}
	}()
	go func() { cmd.Wait(); close(p.done) }()
	select {
	case a := <-addr:
		p.base = "http://" + a
	case <-p.done:
		return nil, su, errors.New("the server exited before listening")
	case <-time.After(10 * time.Minute):
		p.kill()
		return nil, su, errors.New("the server did not listen within 10 minutes")
	}
	for {
		resp, err := http.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	su.healthz = time.Since(t0)
	if code := p.issue("first-" + strconv.FormatInt(t0.UnixNano(), 10)); code != http.StatusCreated {
		p.kill()
		return nil, su, fmt.Errorf("first ticket: status %d", code)
	}
	su.issued = time.Since(t0)
	su.rss = rss(cmd.Process.Pid)
	return p, su, nil
}

// issue asks for a ticket and returns the status.
func (p *proc) issue(key string) int {
	body := fmt.Sprintf(`{"service":"general","idempotency_key":%q}`, key)
	req, _ := http.NewRequest("POST", p.base+"/api/v1/tickets", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// stop sends SIGTERM and waits for the exit.
func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
}

// kill sends SIGKILL and waits for the exit.
func (p *proc) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// rss returns the resident set of process pid in bytes (0 if unknown).
func rss(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(data) {
		if f := strings.Fields(string(line)); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// measure starts the server on dir after a clean stop, and reports it; with
// full, also after a SIGKILL during a burst of issues, the sizes on disk and
// the streaming of a past day. It returns the RSS after the clean start.
func measure(server, dir string, full bool) (int64, error) {
	name := filepath.Base(dir)
	// The build left no snapshot at the head: a first start replays, and a
	// clean stop then saves one.
	p, su, err := start(server, dir)
	if err != nil {
		return 0, err
	}
	fmt.Printf("%s: first start: /healthz %s, first ticket %s\n", name, ms(su.healthz), ms(su.issued))
	// The first ticket sealed yesterday: the server moves the past days
	// into their archives; the measures below are of the archived hall.
	t0 := time.Now()
	yesterday := filepath.Join(dir, "archive", time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)+".jsonl")
	for full {
		if _, err := os.Stat(yesterday); err == nil {
			fmt.Printf("%s: past days archived in %s\n", name, ms(time.Since(t0)))
			break
		}
		if time.Since(t0) > time.Hour {
			p.stop()
			return 0, fmt.Errorf("%s not archived after an hour", yesterday)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	if p, su, err = start(server, dir); err != nil {
		return 0, err
	}
	clean := su
	fmt.Printf("%s: start after a clean stop: /healthz %s, first ticket %s, RSS %s\n", name, ms(su.healthz), ms(su.issued), mib(su.rss))
	if !full {
		p.stop()
		return clean.rss, nil
	}
	var acked int64
	burstDone := make(chan struct{})
	go func() { acked = burst(p, time.Minute); close(burstDone) }()
	time.Sleep(3 * time.Second)
	p.kill()
	<-burstDone
	if p, su, err = start(server, dir); err != nil {
		return 0, err
	}
	fmt.Printf("%s: start after SIGKILL (%d tickets issued in the last 3 s): /healthz %s, first ticket %s, RSS %s\n",
		name, acked, ms(su.healthz), ms(su.issued), mib(su.rss))
	day := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
	t0 = time.Now()
	resp, err := http.Get(p.base + "/log.jsonl?date=" + day)
	if err != nil {
		p.stop()
		return 0, err
	}
	n, err := drain(resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if err != nil || resp.StatusCode != http.StatusOK {
		p.stop()
		return 0, fmt.Errorf("/log.jsonl?date=%s: status %d, %v", day, resp.StatusCode, err)
	}
	fmt.Printf("%s: /log.jsonl?date=%s: %s in %s, %.0f MB/s\n", name, day, mib(n), ms(d), float64(n)/1e6/d.Seconds())
	p.stop()
	db := filepath.Join(dir, "hallq.db")
	fmt.Printf("%s: on disk: hallq.db %s, journal %s, archives %s\n", name, mib(dirSize(db)), mib(dirSize(db+"-journal")), mib(dirSize(filepath.Join(dir, "archive"))))
	return clean.rss, nil
}

// burst issues tickets from 16 clients for d, or until the server is gone,
// and returns how many were acknowledged.
func burst(p *proc, d time.Duration) int64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for g := range 16 {
		wg.Go(func() {
			for i := 0; time.Now().Before(end); i++ {
				switch p.issue(fmt.Sprintf("burst-%d-%d-%d", end.UnixNano(), g, i)) {
				case http.StatusCreated:
					n.Add(1)
				case 0:
					return
				}
			}
		})
	}
	wg.Wait()
	return n.Load()
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

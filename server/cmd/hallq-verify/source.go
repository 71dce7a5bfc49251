package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"hallq/server/audit"
	"hallq/server/client"
	"hallq/server/eventlog"
)

// pageSize is how many events one /log.jsonl request asks for.
const pageSize = 50000

// source is where a log is read from.
type source struct {
	base string    // a server's base URL, or ""
	r    io.Reader // a file or standard input
	name string
	last uint64 // seq of the last event read
}

func open(where string, stdin io.Reader) (*source, error) {
	switch {
	case strings.HasPrefix(where, "http://") || strings.HasPrefix(where, "https://"):
		u, err := url.Parse(where)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("%q is not a server URL", where)
		}
		u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/log.jsonl"), "/")
		u.RawQuery = ""
		return &source{base: u.String(), name: where}, nil
	case where == "-":
		return &source{r: stdin, name: "standard input"}, nil
	}
	if isDir(where) {
		return openArchives(where)
	}
	f, err := os.Open(where)
	if err != nil {
		return nil, err
	}
	return &source{r: f, name: where}, nil
}

// isDir says whether path names a directory.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// openArchives reads the *.jsonl files of dir one after the other, in the
// order of their first events.
func openArchives(dir string) (*source, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s holds no archives (*.jsonl)", dir)
	}
	type file struct {
		f     *os.File
		first uint64
	}
	var files []file
	closeAll := func() {
		for _, f := range files {
			f.f.Close()
		}
	}
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			closeAll()
			return nil, err
		}
		files = append(files, file{f: f})
		line, _ := bufio.NewReader(f).ReadSlice('\n')
		seq, ok := seqOf(line)
		if !ok {
			closeAll()
			return nil, fmt.Errorf("%s: not a log archive: its first line is no event", name)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			closeAll()
			return nil, err
		}
		files[len(files)-1].first = seq
	}
	slices.SortFunc(files, func(a, b file) int { return cmp.Compare(a.first, b.first) })
	rs := make([]io.Reader, len(files))
	for i, f := range files {
		rs[i] = f.f
	}
	return &source{r: &archiveReader{Reader: io.MultiReader(rs...), close: closeAll}, name: dir}, nil
}

// archiveReader reads a folder's archives and closes them all.
type archiveReader struct {
	io.Reader
	close func()
}

func (r *archiveReader) Close() error { r.close(); return nil }

// read passes every event of the log to add, in order.
func (s *source) read(ctx context.Context, add func([]byte) error) error {
	if s.base == "" {
		err := s.lines(s.r, add)
		if c, ok := s.r.(io.Closer); ok && s.r != os.Stdin {
			c.Close()
		}
		return err
	}
	for {
		u := s.base + "/log.jsonl?after=" + strconv.FormatUint(s.last, 10) + "&limit=" + strconv.Itoa(pageSize)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("read %s: %w", u, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return fmt.Errorf("read %s: %s", u, resp.Status)
		}
		head, _ := strconv.ParseUint(resp.Header.Get("X-Hallq-Head-Seq"), 10, 64)
		before := s.last
		err = s.lines(resp.Body, add)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if s.last >= head || s.last == before {
			return nil
		}
	}
}

// lines reads JSON Lines, one event per line.
func (s *source) lines(r io.Reader, add func([]byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), eventlog.MaxEventSize+1)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		if err := add(line); err != nil {
			return fmt.Errorf("%s line %d: %w", s.name, n, err)
		}
		if seq, ok := seqOf(line); ok {
			s.last = seq
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	return nil
}

// seqOf reads the seq at the start of published bytes.
func seqOf(raw []byte) (uint64, bool) {
	p, ok := strings.CutPrefix(string(raw[:min(len(raw), 40)]), `{"seq":`)
	if !ok {
		return 0, false
	}
	end := strings.IndexByte(p, ',')
	if end < 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(p[:end], 10, 64)
	return n, err == nil
}

// follow checks the server's new events as they come, over its websocket,
// printing each finding as it is made, until ctx ends.
func (s *source) follow(ctx context.Context, a *audit.Auditor, stderr io.Writer) error {
	if s.base == "" {
		return errors.New("-follow needs a server URL")
	}
	c, err := client.New(s.base, "", client.Options{})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "hallq-verify: 已核验至第%d条，继续跟踪新事件 / verified up to event %d, following new events\n", s.last, s.last)
	seen := 0
	return c.Stream(ctx, s.last, client.StreamHandler{
		Event: func(rec eventlog.Record) error {
			if err := a.Add(rec.Raw); err != nil {
				return err
			}
			s.last = rec.Seq
			fs := a.Findings()
			for _, f := range fs[seen:] {
				fmt.Fprintf(stderr, "%s  #%d %s / %s\n", time.Now().Format(time.TimeOnly), f.Seq, f.MessageZH, f.Message)
			}
			seen = len(fs)
			return nil
		},
	})
}

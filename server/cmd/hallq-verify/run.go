package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"hallq/server/audit"
	"hallq/server/queue"
)

// Exit statuses.
const (
	exitOK        = 0
	exitViolation = 1
	exitCannot    = 2
)

const usage = `hallq-verify checks a hall's public log against its published rules.
hallq-verify 按公布的规则核验服务大厅的公开日志。

Usage / 用法:
  hallq-verify [flags] URL|FILE
  hallq-verify [flags] DIR [URL|FILE]

  URL   a hall server, e.g. http://hall.example:8080 (reads /log.jsonl page by page)
  FILE  a downloaded log in JSON Lines (/log.jsonl), or - for standard input
  DIR   a folder of day archives (a hall's data/archive, or days saved from
        /log.jsonl?date=), read in the order of their events; the URL or FILE
        after it is the log's live tail: a server is read from the event
        after the archives, a file must begin there

Exit status / 退出状态: 0 consistent 一致, 1 violation found 发现违规, 2 could not read or verify 无法读取或核验.

Flags / 参数:
`

type config struct {
	source      string
	jsonOut     bool
	follow      bool
	hall        string
	key         string
	checkpoints string
	compare     string
	tickets     bool
	day         string
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hallq-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.BoolVar(&c.jsonOut, "json", false, "print the report as JSON / 以 JSON 输出报告")
	fs.BoolVar(&c.follow, "follow", false, "after the log, follow the server's websocket and check each new event / 读完后通过 websocket 持续核验新事件")
	fs.StringVar(&c.hall, "hall", "", "the hall's public description (a file or URL of /api/v1/hall) for a log that does not carry its own hall.configured / 大厅公开描述")
	fs.StringVar(&c.key, "key", "", "pin the hall's Ed25519 checkpoint key (base64) / 指定检查点公钥")
	fs.StringVar(&c.checkpoints, "checkpoints", "", "a file of remembered checkpoints: the log must agree with them, and its verified checkpoints are added / 已保存的检查点文件")
	fs.StringVar(&c.compare, "compare", "", "a second log (URL or file): prove or refute that it extends the first / 第二份日志：证明或否定其延续第一份")
	fs.BoolVar(&c.tickets, "tickets", false, "with -json, list every ticket's wait / 列出每个号的等候时间")
	fs.StringVar(&c.day, "day", "", "print only this service day (YYYY-MM-DD) in the summary / 只显示该服务日")
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitCannot
	}
	if fs.NArg() != 1 && (fs.NArg() != 2 || !isDir(fs.Arg(0))) {
		fs.Usage()
		fmt.Fprintln(stderr, "hallq-verify: cannot verify: name one log (URL or file), or a folder of archives and its live tail / 请指定一份日志，或归档目录及其后续日志")
		return exitCannot
	}
	c.source = fs.Arg(0)
	cannot := func(err error) int {
		fmt.Fprintf(stderr, "hallq-verify: 无法核验 / cannot verify: %v\n", err)
		return exitCannot
	}

	opt := audit.Options{Key: c.key, Tickets: c.tickets, KeepHashes: c.compare != ""}
	var err error
	if c.hall != "" {
		if opt.Hall, err = readHall(ctx, c.hall); err != nil {
			return cannot(err)
		}
	}
	var book *checkpointBook
	if c.checkpoints != "" {
		if book, err = openBook(c.checkpoints); err != nil {
			return cannot(err)
		}
		opt.Remember = book.list
	}
	a, err := audit.New(opt)
	if err != nil {
		return cannot(err)
	}
	src, err := open(c.source, stdin)
	if err != nil {
		return cannot(err)
	}
	if err := src.read(ctx, a.Add); err != nil {
		return cannot(err)
	}
	if fs.NArg() == 2 {
		tail, err := open(fs.Arg(1), stdin)
		if err != nil {
			return cannot(err)
		}
		tail.last = src.last // a server is read from the event after the archives
		if err := tail.read(ctx, a.Add); err != nil {
			return cannot(err)
		}
		src = tail
	}
	if c.follow {
		if err := src.follow(ctx, a, stderr); err != nil && ctx.Err() == nil {
			return cannot(err)
		}
	}
	rep := a.Finish()
	if c.compare != "" {
		b, err := audit.New(audit.Options{Hall: opt.Hall, Key: c.key, KeepHashes: true})
		if err != nil {
			return cannot(err)
		}
		src2, err := open(c.compare, stdin)
		if err != nil {
			return cannot(err)
		}
		if err := src2.read(ctx, b.Add); err != nil {
			return cannot(fmt.Errorf("second log: %w", err))
		}
		b.Finish()
		rep.Fork = audit.Compare(a, b)
	}
	if book != nil {
		if err := book.add(rep); err != nil {
			return cannot(err)
		}
	}
	if c.jsonOut {
		out := struct {
			*audit.Report
			Status string `json:"status"`
		}{rep, status(rep)}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return cannot(err)
		}
	} else {
		writeSummary(stdout, rep, c.day)
	}
	if !rep.Consistent {
		return exitViolation
	}
	return exitOK
}

func status(rep *audit.Report) string {
	if rep.Consistent {
		return "consistent"
	}
	return "violation"
}

// readHall reads a hall's public description from a file or a URL.
func readHall(ctx context.Context, where string) (*queue.PublicHall, error) {
	var data []byte
	var err error
	if strings.HasPrefix(where, "http://") || strings.HasPrefix(where, "https://") {
		data, err = get(ctx, where)
	} else {
		data, err = os.ReadFile(where)
	}
	if err != nil {
		return nil, fmt.Errorf("hall description: %w", err)
	}
	var p queue.PublicHall
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("hall description %s: %w", where, err)
	}
	return &p, nil
}

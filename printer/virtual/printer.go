package virtual

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"

	"hallq/printer"
)

// Conditions are the simulated states a printer reports to status queries.
type Conditions struct {
	// PaperOut: the roll is empty; jobs are not printed.
	PaperOut bool
	// PaperNearEnd: the roll is nearly empty; jobs print.
	PaperNearEnd bool
	// CoverOpen: the cover is open; jobs are not printed.
	CoverOpen bool
	// NoReply: status queries go unanswered, as with a printer that is off
	// or on another port.
	NoReply bool
}

// Status returns the printer status the conditions make.
func (c Conditions) Status() printer.Status {
	return printer.Status{
		PaperEnd:     c.PaperOut,
		PaperNearEnd: c.PaperNearEnd || c.PaperOut,
		CoverOpen:    c.CoverOpen,
		Offline:      c.PaperOut || c.CoverOpen,
	}
}

// Options configure a Printer.
type Options struct {
	// Dots is the paper width in dots: 384 for 58 mm, 576 for 80 mm.
	Dots int
	// Font draws text; without one, jobs are parsed but not rendered.
	Font *Font
	// OutDir receives job-NNNN.png and job-NNNN.bin (the bytes received) for
	// each job; empty writes no files.
	OutDir string
	// Conditions are the initial simulated conditions.
	Conditions Conditions
	// OnJob, if set, is called with each finished job, in order, on a
	// goroutine of the Serve call that received it.
	OnJob func(Job)
	// Log receives one line per job and per dropped job; nil logs nothing.
	Log *slog.Logger
}

// Job is one job the printer received.
type Job struct {
	// Seq numbers jobs from 1, continuing after the files in OutDir.
	Seq int
	// Page is what the job printed.
	Page *Page
	// Image is the rendered page; nil without a font or when dropped.
	Image *image.Gray
	// PNG is the path of the image file, if one was written.
	PNG string
	// Dropped says why the job was not printed (paper out, cover open);
	// empty when it was.
	Dropped string
}

// Printer is a virtual ESC/POS printer. Serve may run on several connections
// at once; they share the conditions and the job numbering.
type Printer struct {
	opts     Options
	renderer *Renderer
	log      *slog.Logger

	mu   sync.Mutex // guards cond and seq
	cond Conditions
	seq  int
}

var jobFile = regexp.MustCompile(`^job-(\d+)\.(png|bin)$`)

// New returns a virtual printer. It creates OutDir if needed and numbers jobs
// after the ones already there.
func New(o Options) (*Printer, error) {
	if o.Dots < 96 || o.Dots%8 != 0 {
		return nil, fmt.Errorf("virtual: paper width %d dots: want a multiple of 8, at least 96", o.Dots)
	}
	p := &Printer{opts: o, cond: o.Conditions, log: o.Log}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if o.Font != nil {
		p.renderer = NewRenderer(o.Font)
	}
	if o.OutDir != "" {
		if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
			return nil, fmt.Errorf("virtual: output folder: %w", err)
		}
		entries, err := os.ReadDir(o.OutDir)
		if err != nil {
			return nil, fmt.Errorf("virtual: output folder: %w", err)
		}
		for _, e := range entries {
			if m := jobFile.FindStringSubmatch(e.Name()); m != nil {
				n, _ := strconv.Atoi(m[1])
				p.seq = max(p.seq, n)
			}
		}
	}
	return p, nil
}

// SetConditions changes the simulated conditions; later status queries and
// jobs see them.
func (p *Printer) SetConditions(c Conditions) {
	p.mu.Lock()
	p.cond = c
	p.mu.Unlock()
}

// Conditions returns the simulated conditions.
func (p *Printer) Conditions() Conditions {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cond
}

// Serve reads commands from rw until it ends or ctx is done, answering status
// queries on rw and finishing a job at each cut. Status queries are answered
// as they arrive, as a printer answers DLE EOT while it prints: jobs are
// rendered and stored on another goroutine, in order, and Serve returns once
// every job it received is finished. When ctx ends it closes rw if rw is an
// io.Closer, to stop a blocked read. It returns nil at the end of the stream
// or of ctx, and the read or write error otherwise.
func (p *Printer) Serve(ctx context.Context, rw io.ReadWriter) error {
	if c, ok := rw.(io.Closer); ok {
		stop := context.AfterFunc(ctx, func() { c.Close() })
		defer stop()
	}
	jobs := make(chan Job, 16)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for job := range jobs {
			p.finish(job)
		}
	}()
	defer func() {
		close(jobs)
		<-finished
	}()
	ps := NewParser(p.opts.Dots)
	buf := make([]byte, 4096)
	for {
		n, rerr := rw.Read(buf)
		for _, ev := range ps.Feed(buf[:n]) {
			switch ev.Kind {
			case EventStatus:
				if err := p.answer(rw, ev.N); err != nil {
					return err
				}
			case EventJob:
				jobs <- p.take(ev.Page)
			}
		}
		if rerr != nil {
			if pg := ps.Flush(); pg != nil {
				jobs <- p.take(pg)
			}
			if errors.Is(rerr, io.EOF) || ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("virtual: read: %w", rerr)
		}
	}
}

// answer replies to DLE EOT n.
func (p *Printer) answer(w io.Writer, n byte) error {
	c := p.Conditions()
	if c.NoReply {
		return nil
	}
	raw := printer.EncodeStatus(c.Status())
	if _, err := w.Write([]byte{raw[n-1]}); err != nil {
		return fmt.Errorf("virtual: status reply: %w", err)
	}
	return nil
}

// take numbers a job at its cut, and drops it if the printer cannot print
// then.
func (p *Printer) take(pg *Page) Job {
	p.mu.Lock()
	p.seq++
	job := Job{Seq: p.seq, Page: pg}
	c := p.cond
	p.mu.Unlock()
	switch {
	case c.CoverOpen:
		job.Dropped = "cover open"
	case c.PaperOut:
		job.Dropped = "paper out"
	}
	return job
}

// finish renders and stores a job taken, unless it was dropped.
func (p *Printer) finish(job Job) {
	pg := job.Page
	log := p.log.With("job", job.Seq, "bytes", len(pg.Raw))
	if job.Dropped != "" {
		log.Warn("job not printed", "reason", job.Dropped)
	} else if err := p.store(&job); err != nil {
		log.Error("job not stored", "err", err)
	} else {
		log.Info("job printed", "png", job.PNG, "height_dots", pg.Height, "unknown_bytes", pg.Unknown)
	}
	if p.opts.OnJob != nil {
		p.opts.OnJob(job)
	}
}

// store renders the job and writes its files.
func (p *Printer) store(job *Job) error {
	if p.renderer != nil {
		img, err := p.renderer.Render(job.Page)
		if err != nil {
			return err
		}
		job.Image = img
	}
	if p.opts.OutDir == "" {
		return nil
	}
	base := filepath.Join(p.opts.OutDir, fmt.Sprintf("job-%04d", job.Seq))
	if err := os.WriteFile(base+".bin", job.Page.Raw, 0o644); err != nil {
		return fmt.Errorf("virtual: write job bytes: %w", err)
	}
	if job.Image == nil {
		return nil
	}
	if err := WritePNG(base+".png", job.Image); err != nil {
		return err
	}
	job.PNG = base + ".png"
	return nil
}

// WritePNG writes img to path as a PNG. It writes a temporary file and renames
// it, so a reader watching the folder never sees half a PNG.
func WritePNG(path string, img image.Image) error {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return fmt.Errorf("virtual: encode %s: %w", path, err)
	}
	if err := os.WriteFile(path+".tmp", b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("virtual: write PNG: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("virtual: write PNG: %w", err)
	}
	return nil
}

// RenderJob parses a complete byte stream (such as a file written by
// printtest -out) for paper dots wide and renders each job in it.
func RenderJob(data []byte, dots int, f *Font) ([]*Page, []*image.Gray, error) {
	ps := NewParser(dots)
	var pages []*Page
	for _, ev := range ps.Feed(data) {
		if ev.Kind == EventJob {
			pages = append(pages, ev.Page)
		}
	}
	if pg := ps.Flush(); pg != nil {
		pages = append(pages, pg)
	}
	r := NewRenderer(f)
	imgs := make([]*image.Gray, len(pages))
	for i, pg := range pages {
		img, err := r.Render(pg)
		if err != nil {
			return nil, nil, err
		}
		imgs[i] = img
	}
	return pages, imgs, nil
}

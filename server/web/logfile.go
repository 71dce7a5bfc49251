package web

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// logPage is how many events /log.jsonl reads from the store at a time.
const logPage = 1000

// logPageTimeout bounds the writing of one page of /log.jsonl, which the
// server's write_timeout does not cover, as the whole file may take longer.
const logPageTimeout = 30 * time.Second

// handleLogJSONL serves the public log as JSON Lines: each event's exact published
// bytes followed by a newline, in seq order, so that anyone can recompute the
// chain from the file. The range is one of
//
//	(nothing)             every event up to the head
//	?after=S[&limit=N]    events after seq S, at most N of them
//	?last=N               the N newest events
//	?date=YYYY-MM-DD      the events of that date in the hall's time zone
//
// and ?download=1 asks the browser to save the file. The head of the log when the
// request arrived is in the X-Hallq-Head-Seq and X-Hallq-Head-Hash headers; later
// events are left for the next request.
func (s *Server) handleLogJSONL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	head, headHash := s.engine.Head()
	from, to := uint64(0), head // events with from < seq <= to
	name := "log"
	switch {
	case q.Has("date"):
		day, err := time.ParseInLocation(time.DateOnly, q.Get("date"), s.location())
		if err != nil {
			badRequest(w, "date: YYYY-MM-DD expected", "date：应为 YYYY-MM-DD 格式")
			return
		}
		lo, err := s.firstAtOrAfter(day, head)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		hi, err := s.firstAtOrAfter(day.AddDate(0, 0, 1), head)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		from, to = lo-1, hi-1
		name = "log-" + day.Format(time.DateOnly)
	case q.Has("last"):
		n, err := strconv.ParseUint(q.Get("last"), 10, 64)
		if err != nil {
			badRequest(w, "last: a count of events expected", "last：应为事件条数")
			return
		}
		from = head - min(n, head)
	default:
		var err error
		if q.Has("after") {
			if from, err = strconv.ParseUint(q.Get("after"), 10, 64); err != nil {
				badRequest(w, "after: a sequence number expected", "after：应为日志序号")
				return
			}
		}
		if q.Has("limit") {
			n, err := strconv.ParseUint(q.Get("limit"), 10, 64)
			if err != nil || n == 0 {
				badRequest(w, "limit: a positive count expected", "limit：应为正整数")
				return
			}
			if from < head && n < head-from {
				to = from + n
			}
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/jsonl; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Hallq-Head-Seq", strconv.FormatUint(head, 10))
	h.Set("X-Hallq-Head-Hash", headHash)
	if q.Get("download") == "1" {
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="hallq-%s-%s.jsonl"`, s.cfg.Hall.ID, name))
	}
	if r.Method == http.MethodHead {
		return
	}
	rc := http.NewResponseController(w)
	if q.Has("date") && from < to {
		if f, a, ok := s.store.OpenArchive(from+1, to); ok {
			// A past day is its archive's bytes.
			defer f.Close()
			h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
			s.copyArchive(w, rc, f, a.Name)
			return
		}
	}
	wrote := false
	for from < to {
		// The whole file may take long, but each page must go out within
		// logPageTimeout: a client that stops reading is cut.
		_ = rc.SetWriteDeadline(time.Now().Add(logPageTimeout)) // a recorder has no deadline; nothing to bound
		recs, err := s.store.EventsAfter(from, int(min(to-from, logPage)))
		if err != nil {
			if !wrote {
				s.fail(w, r, fmt.Errorf("web: log.jsonl: %w", err))
			} else {
				s.log.Error("log.jsonl cut short", "after", from, "err", err)
			}
			return
		}
		if len(recs) == 0 {
			break
		}
		buf := make([]byte, 0, 300*len(recs))
		for _, rec := range recs {
			if rec.Seq != from+1 || rec.Seq > to {
				s.log.Error("log.jsonl: unexpected event from the store", "want", from+1, "got", rec.Seq)
				return
			}
			buf = append(append(buf, rec.Raw...), '\n')
			from = rec.Seq
		}
		if _, err := w.Write(buf); err != nil {
			return // the client went away
		}
		wrote = true
	}
}

// copyArchive streams an archive file, each MiB within logPageTimeout. The
// copy goes from the file to the connection without a buffer of ours
// (sendfile where the connection allows it), so many slow readers of past
// days cost no memory.
func (s *Server) copyArchive(w http.ResponseWriter, rc *http.ResponseController, f *os.File, name string) {
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(logPageTimeout)) // a recorder has no deadline; nothing to bound
		n, err := io.CopyN(w, f, archiveChunk)
		if err == io.EOF || (err == nil && n < archiveChunk) {
			return
		}
		if err != nil {
			// Mostly a client that went away or stopped reading; the
			// archive itself is checked at every start.
			s.log.Debug("log.jsonl cut short", "archive", name, "err", err)
			return
		}
	}
}

// archiveChunk is how much of an archive goes out within one write deadline.
const archiveChunk = 1 << 20

// firstAtOrAfter returns the seq of the first event at or after t, or head+1 when
// there is none, by binary search: event times do not decrease along the log.
func (s *Server) firstAtOrAfter(t time.Time, head uint64) (uint64, error) {
	lo, hi := uint64(1), head+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		rec, err := s.store.Event(mid)
		if err != nil {
			return 0, fmt.Errorf("web: find events at %s: %w", t.Format(time.RFC3339), err)
		}
		if rec.Time.Before(t) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

func (s *Server) location() *time.Location {
	if s.cfg.Hall.Location != nil {
		return s.cfg.Hall.Location
	}
	return time.UTC
}

func badRequest(w http.ResponseWriter, en, zh string) {
	http.Error(w, zh+" / "+en, http.StatusBadRequest)
}

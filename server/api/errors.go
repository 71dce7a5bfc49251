package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"hallq/server/queue"
	"hallq/server/wire"
)

// statusOf maps a domain error code to an HTTP status.
func statusOf(code wire.Code) int {
	switch code {
	case wire.EINVALID:
		return http.StatusBadRequest
	case wire.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case wire.EFORBIDDEN, wire.ESUSPENDED:
		return http.StatusForbidden
	case wire.ENOTFOUND:
		return http.StatusNotFound
	case wire.ECONFLICT, wire.ELIMIT, wire.EFULL, wire.ENOTRELEASED, wire.ETOOEARLY, wire.ETOOLATE, wire.ECHOOSE, wire.ELOTTERY:
		return http.StatusConflict
	case wire.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case wire.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case wire.EMETHOD:
		return http.StatusMethodNotAllowed
	case wire.ERATE:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// writeError writes err as the JSON error body with its status. Internal errors
// are logged and answered with a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := queue.ErrorCode(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = &queue.Error{Code: wire.ETOOLARGE, Message: "request body too large"}
		code = wire.ETOOLARGE
	}
	en, zh := queue.ErrorMessage(err)
	if code == wire.EINTERNAL {
		s.log.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	writeJSON(w, statusOf(code), wire.ErrorBody{Error: wire.ErrorDetail{Code: code,
		Message: clipMessage(en), MessageZH: clipMessage(zh)}})
}

// Error messages name the input they refuse, but never echo a long one in
// full: an input is cut at maxEcho characters and a whole message at
// maxMessage, each ending in "…".
const (
	maxEcho    = 64
	maxMessage = 300
)

// clip returns s cut to at most n characters (runes), with "…" in place of
// what was cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n-1 {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// clipMessage cuts every quoted part of an error message (where the domain
// quotes an input, with %q) to maxEcho characters, and the message to
// maxMessage.
func clipMessage(msg string) string {
	if len(msg) <= maxEcho {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '"')
		if i < 0 {
			break
		}
		j := i + 1
		for j < len(msg) && msg[j] != '"' {
			if msg[j] == '\\' {
				j++
			}
			j++
		}
		b.WriteString(msg[:i+1])
		b.WriteString(clip(msg[i+1:min(j, len(msg))], maxEcho))
		if j >= len(msg) {
			msg = ""
			break
		}
		b.WriteByte('"')
		msg = msg[j+1:]
	}
	b.WriteString(msg)
	return clip(b.String(), maxMessage)
}

// echo is an input as an error message may quote it: clipped and quoted.
func echo(s string) string { return strconv.Quote(clip(s, maxEcho)) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decode reads a JSON body strictly: known fields only, one object, size-limited.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if r.Body == nil || r.ContentLength == 0 {
		return queue.Errorf(queue.EINVALID, "a JSON body is required")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return queue.Errorf(queue.EINVALID, "invalid JSON body: %s", clip(err.Error(), maxMessage))
	}
	if dec.More() {
		return queue.Errorf(queue.EINVALID, "invalid JSON body: more than one value")
	}
	return nil
}

// logAttrs returns nothing personal about a request: method and route pattern
// only (paths may hold ticket tokens).
func logAttrs(r *http.Request) []any {
	return []any{slog.String("method", r.Method), slog.String("route", r.Pattern)}
}

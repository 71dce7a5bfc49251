package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"hallq/server/queue"
)

// statusOf maps a domain error code to an HTTP status.
func statusOf(code string) int {
	switch code {
	case queue.EINVALID:
		return http.StatusBadRequest
	case queue.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case queue.EFORBIDDEN:
		return http.StatusForbidden
	case queue.ENOTFOUND:
		return http.StatusNotFound
	case queue.ECONFLICT, queue.ELIMIT:
		return http.StatusConflict
	case queue.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case "ETOOLARGE":
		return http.StatusRequestEntityTooLarge
	case "EMETHOD":
		return http.StatusMethodNotAllowed
	case "ERATE":
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh,omitempty"`
}

// writeError writes err as the JSON error body with its status. Internal errors
// are logged and answered with a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := queue.ErrorCode(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = &queue.Error{Code: "ETOOLARGE", Message: "request body too large"}
		code = "ETOOLARGE"
	}
	en, zh := queue.ErrorMessage(err)
	if code == queue.EINTERNAL {
		s.log.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	writeJSON(w, statusOf(code), errorBody{Error: errorDetail{Code: code, Message: en, MessageZH: zh}})
}

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
		return queue.Errorf(queue.EINVALID, "invalid JSON body: %v", err)
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

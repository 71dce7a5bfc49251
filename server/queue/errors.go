package queue

import (
	"errors"
	"fmt"
)

// Code is the stable code of an error. Codes are part of the public API: the
// HTTP layer maps each to a status and clients branch on them (server/wire
// lists them with the codes only the HTTP layer gives).
type Code string

// Error codes shared by every layer of hallq.
const (
	EINVALID      Code = "EINVALID"      // the request is malformed or breaks a rule of input
	ENOTFOUND     Code = "ENOTFOUND"     // the thing asked for does not exist
	ECONFLICT     Code = "ECONFLICT"     // the request does not fit the current state
	ELIMIT        Code = "ELIMIT"        // a daily cap or per-person limit is reached
	EFORBIDDEN    Code = "EFORBIDDEN"    // the caller may not do this
	EUNAUTHORIZED Code = "EUNAUTHORIZED" // the caller is not signed in or the token is wrong
	EUNAVAILABLE  Code = "EUNAVAILABLE"  // the server cannot serve this now (shutting down, disk)
	EINTERNAL     Code = "EINTERNAL"     // a fault inside hallq
)

// Error is a domain error: a stable code and a message for people, in English and,
// where an applicant may read it, in Chinese.
type Error struct {
	Code      Code
	Message   string
	MessageZH string
}

// Error returns the English message.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the code and a formatted English message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Zh returns e with a Chinese message, for errors an applicant may see.
func (e *Error) Zh(format string, args ...any) *Error {
	e.MessageZH = fmt.Sprintf(format, args...)
	return e
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any
// other error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the English and Chinese messages of the first *Error in err's
// chain; for any other error it returns a generic message, so that internal details
// never reach a client.
func ErrorMessage(err error) (en, zh string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Message, e.MessageZH
	}
	return "internal error", "系统内部错误"
}

package wire

import "hallq/server/queue"

// Code is an error's stable code, as the error body carries it.
type Code = queue.Code

// Error codes. The first are the domain's; the others only the HTTP layer gives.
const (
	EINVALID      = queue.EINVALID      // 400: the request is malformed or breaks a rule of input
	ENOTFOUND     = queue.ENOTFOUND     // 404: the thing asked for does not exist
	ECONFLICT     = queue.ECONFLICT     // 409: the request does not fit the current state
	ELIMIT        = queue.ELIMIT        // 409: a daily cap or per-person limit is reached
	EFORBIDDEN    = queue.EFORBIDDEN    // 403: the caller may not do this
	EUNAUTHORIZED = queue.EUNAUTHORIZED // 401: the caller is not signed in or the token is wrong
	EUNAVAILABLE  = queue.EUNAVAILABLE  // 503: the server cannot serve this now
	EINTERNAL     = queue.EINTERNAL     // 500: a fault inside hallq

	EFULL        = queue.EFULL        // 409: the appointment slot has no place left
	ENOTRELEASED = queue.ENOTRELEASED // 409: the slot's places are not released yet
	ESUSPENDED   = queue.ESUSPENDED   // 403: booking suspended after missed appointments
	ETOOEARLY    = queue.ETOOEARLY    // 409: before the check-in window
	ETOOLATE     = queue.ETOOLATE     // 409: after the check-in window or the cancellation deadline
	ECHOOSE      = queue.ECHOOSE      // 409: several bookings fit; the applicant must choose
	ELOTTERY     = queue.ELOTTERY     // 409: the day's applications are closed and its places being drawn

	ETOOLARGE Code = "ETOOLARGE" // 413: the request body is too large
	EMETHOD   Code = "EMETHOD"   // 405: the method is not allowed
	ERATE     Code = "ERATE"     // 429: too many requests; wait a moment
)

// ErrorBody is the body of every refusal.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is a refusal: its code and messages for people, in English and,
// where an applicant may read it, in Chinese.
type ErrorDetail struct {
	Code      Code   `json:"code"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh,omitempty"`
}

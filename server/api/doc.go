// Package api serves hallq's HTTP JSON API under /api/v1: ticket issue for kiosks,
// window actions for signed-in staff, the public board, ticket status and event
// log. It takes the hall's config.Config as package web does. The hall
// (server/hall) mounts it beside the websocket stream, the web pages, /healthz
// and /metrics.
//
// Every error is a JSON body {"error":{"code":"…","message":"…"}} whose code is
// one of the queue package's codes; writeError is the one place that maps codes
// to HTTP statuses. Kiosks and displays authenticate with bearer tokens; staff
// sign in with a password to one window and act only on it, with a session cookie
// (HttpOnly, SameSite=Strict) and a CSRF token sent back in X-CSRF-Token.
package api

// Package web serves hallq's web pages: the landing page (/), the counter page
// for window staff (/counter), the ticket status page a receipt's QR code opens
// (/t/{token}), the public call log with in-browser verification of its hash
// chain (/log and its JSON Lines form /log.jsonl), the published rules (/rules)
// and the hall board for screens (/board).
//
// Pages are html/template files and vanilla JavaScript, CSS and icons embedded in
// the binary; there is no front-end build step. What comes from the hall's
// configuration (names, services, priority classes, manual-call reasons, the
// rules and the personal-information rules) is rendered on the server; what
// changes (calls, queues, ticket states) is read by the browser from the JSON API
// under /api/v1 and kept current from the websocket stream /api/v1/ws, so pages
// update without reloading and recover by themselves when the server restarts.
//
// Every page is in Chinese with an English switch: static texts are rendered in
// both languages and CSS shows the chosen one; the choice is kept in the
// browser's localStorage. Pages are served with a Content-Security-Policy that
// allows only the server's own origin and no inline script or style.
//
// The package reads the engine's committed state and the store's log; it never
// writes. Staff actions go through the API, which checks the session, the CSRF
// token and the window. A Server is safe for use by many goroutines.
package web

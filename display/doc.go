// Command display is hallq's hall display: a full-screen Fyne app for the TV of
// a service hall (the hall board) or the small screen above one window.
//
//	go run ./display -server http://192.168.1.10:8080 -token T -mode hall
//	go run ./display -server http://192.168.1.10:8080 -token T -mode window -window 3
//	go run ./display -config /etc/hallq/display.toml
//
// The hall board shows the newest call in the largest type, flashing briefly,
// every number being served with its window, each service's queue and
// estimated wait, earlier calls, the hall's notices scrolling, the clock, the
// state of the link to the server and the head of the public log (seq and
// hash). A window screen shows the window, the number it serves and the
// publicity card of its staff member, which halls must display, with the
// card's photo when the hall's file gives one (fetched from the server and
// kept in the replica, so a restart without the server still shows it). Every text
// takes a share of the screen, so the layouts hold from 1280×720 to
// 3840×2160. Chinese is drawn with Noto Sans CJK SC from the system (see
// package assets), whatever the locale. -scroll-fps 0 shows the notices one
// at a time instead of scrolling them, for a screen drawn without a graphics
// processor, where each repaint costs the processor dearly.
//
// # About screen
//
// F1 or I on an attached keyboard, a tap or click on the status line, SIGUSR1,
// or -about at start show the about screen: the hall's names and id, the
// server followed, the whole Ed25519 key that signs the log's checkpoints (as
// /rules and /api/v1/hall publish it), its fingerprint, the last signed
// checkpoint seen (seq and the first 8 hex of its hash, as receipts print it)
// and where to verify (/rules, /audit, hallq-verify). Escape, a tap or 60 s
// close it.
//
// # Voice
//
// Each call is announced: the chime, then "请 A001 号到 3 号窗口办理", then
// "Number A001, please go to window 3". Announcements wait for each other and
// a recall is announced again. Sentences go to -speak-cmd, run through sh -c
// with the text on stdin, {lang} replaced by zh or en and {voice} by the
// espeak-ng voice (cmn or en); HALLQ_LANG holds the language too. The default
// is espeak-ng; a hall plugs in a better voice with, for example,
// -speak-cmd 'my-tts --lang {lang} | aplay -q'. -speak-cmd "" turns voice off.
// The chime (assets/chime.wav) goes to -chime-cmd on stdin, aplay by default.
// A window screen announces only the calls to its own window.
//
// # The local replica
//
// The display keeps the public events it receives, exactly as published, in a
// bbolt file of its own in -data (replica.db: events, snapshots, and a display
// bucket with the head, the hall description, the window and its card's
// portrait; a replica of the older layout is upgraded when it opens). It folds them into
// the queue state with the server's own rules (queue.State.Apply) and draws
// every screen from that state, so that after a restart or a network loss it
// shows the last known state at once, marked as such, then catches up from
// its last event: no gap, no duplicate. Every event is parsed once (by the
// client, with package eventlog) and its place in the hash chain checked once
// (eventlog.Verifier) before it is folded or stored; a break, a server whose head hash
// differs from the copy's, or a server whose log is shorter than the copy
// raises an alarm on the screen that stays until restart. A replica that no
// longer verifies at start is moved aside and fetched again.
//
// # Goroutines
//
// Fyne's main goroutine owns the widgets (display). The follower goroutine
// runs the stream and owns the replica's writes; it updates the model, which
// a mutex guards. The renderer goroutine copies frames out of the model and
// hands them to the widgets with fyne.Do. The announcer goroutine speaks.
package main

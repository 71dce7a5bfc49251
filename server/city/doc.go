// Package city is the city portal: it follows every hall's stream in the
// city's NATS JetStream (and reads nothing else), verifies each hall's chain
// and signed checkpoints as it goes with server/audit, keeps each hall's
// state with the same server/queue folds the hall runs, and serves public
// pages and a JSON API: every hall with its open services, people waiting,
// estimated waits, current calls and appointment places left, links to the
// hall's own pages, and the city's totals. A hall whose log fails
// verification is flagged, first on the page, and left out of the totals.
//
// Bookings: the portal lists each hall's slots and offers the hall's own
// booking form (web.BookForm) on /book; a booking is forwarded to the hall
// that owns the slot by NATS request and reply, and the hall, the only
// writer of its log, answers it.
//
// Portals share nothing but JetStream: each follows the streams on its own
// with ordered consumers, so as many run side by side as the audience needs.
package city

// Package outbox is the kiosk's local memory of what it may do and has done
// without the server: the number leases the server granted it, and every
// ticket it issued from them while offline, in one bbolt file.
//
// A ticket is written (and fsynced) by Take before its receipt is printed, so
// a kiosk that crashes or loses power right after printing still knows the
// ticket and syncs it later. Tickets are keyed by (kiosk, local sequence): the
// sequence is the file's own counter, never reused. Drain sends the pending
// tickets to the server, oldest first; the server's sync is idempotent by
// leased number, so a ticket whose answer was lost is simply sent again.
// A ticket printed in place of an online request that got no answer keeps
// that request's idempotency key (TakeReplacing), and Drain sends it with the
// ticket, so that the server withdraws the ticket it may have issued for the
// request.
//
// A Store is safe for use by many goroutines. It never does network I/O inside
// a bbolt transaction: Drain reads what is pending, sends it, and records each
// answer in its own transaction.
package outbox

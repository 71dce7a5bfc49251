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
// A request that got no answer and that the kiosk could print nothing in
// place of (a real-name service, a spent lease, the hall closed) is recorded
// by AddWithdrawal before the applicant is told, keyed by (kiosk, idempotency
// key); DrainWithdrawals asks the server to withdraw each once it answers
// again, and forgets it when the server has answered, so that a ticket issued
// for it does not wait for an applicant who never got it.
//
// A Store is safe for use by many goroutines. It never does network I/O inside
// a bbolt transaction: Drain reads what is pending, sends it, and records each
// answer in its own transaction.
package outbox

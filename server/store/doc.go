// Package store keeps hallq's public event log and its private data in one
// bbolt file.
//
// The package knows nothing of queues or tickets: it stores events of any
// dotted type (ticket.issued, window.opened …) with a JSON object as data,
// chains them with SHA-256 so that history cannot be rewritten unnoticed,
// and keeps the private buckets (identities, devices, staff, sessions …)
// that never leave the server. The domain runs on top of it through
// Store.Commit, which makes a batch of events and private writes durable
// at once however many it holds (group commit), and Store.Update, one bbolt
// read-write transaction.
//
// # Journal
//
// With Options.Journal, as the hall server runs, Commit writes the batch as
// one frame to a preallocated journal file beside the bbolt file
// (hallq.db-journal beside hallq.db) and syncs it with one fdatasync; a
// bbolt commit needs two fsyncs and a write per dirty page. A background
// applier copies the journaled batches into the bbolt file some 50 ms later,
// many in one commit, and Open replays whatever the file does not have yet,
// so the two files together are the store: back them up, move them and
// delete them together. The frame layout is described in journal.go.
//
// # Published event layout
//
// Each event is stored as the exact bytes that are published, in the layout
// and chain of package eventlog, which encodes, parses and verifies them:
// anyone holding the public log can recompute the chain.
//
// # Buckets
//
// BucketEvents maps the 8-byte big-endian seq to the published bytes, so
// cursors walk in order; it is written only through Tx.Append,
// Tx.PutRecords and Store.Commit, which check that each event follows the
// one before. BucketMeta holds the head (last seq and hash), written in the
// same transaction as the events and checked against the last event when
// the store opens, and the last journal frame the file holds.
// BucketSnapshots holds projection snapshots written by Tx.PutSnapshot.
// BucketMeta also remembers the verified head: the chain up to it was
// verified by a store or made by one from a Chain, so Open recomputes only
// the chain after it (journaled events are verified as they are replayed);
// Options.VerifyAll and Store.Verify recompute the whole chain. The other
// buckets are private: their keys and values belong to the caller and never
// enter the chain.
//
// # Concurrency
//
// A Store is safe for use by many goroutines. Commits and Updates are
// serialised; Views run concurrently with each other and with the writer.
// Store.Head is an atomic read of the last committed event and moves only
// after a commit has reached the disk (the journal or the bbolt file).
// Event and EventsAfter see journaled events at once; View, Update, Verify
// and LatestSnapshot first wait until the bbolt file has them. A Tx belongs to the goroutine
// running the function it was given to and is invalid once that function
// returns; bytes passed to callbacks are valid only during the callback,
// while everything a method returns is a copy the caller owns.
package store

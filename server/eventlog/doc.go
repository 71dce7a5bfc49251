// Package eventlog is the format of hallq's public event log: how an event is
// encoded into its published bytes, how those bytes are parsed, and how the
// hash chain that links them is made and checked. It imports only the
// standard library, so that anyone can build a verifier on it: the hall
// server's store and its journal, the hall displays, the Go client and
// hallq-verify all use it.
//
// # Published event layout
//
// Each event is published (and stored) as exact bytes; anyone holding the
// public log can recompute the chain. For event number seq (1, 2, 3 …, no
// gaps):
//
//	body      = {"seq":<decimal>,"time":"<time>","type":"<type>","data":<data>,"prev_hash":"<64 hex>"}
//	hash      = lowercase hex of SHA-256( prev_hash as its 32 raw bytes ‖ body )
//	published = body without its final "}" followed by ,"hash":"<64 hex>"}
//
// where
//
//   - seq is a decimal number without leading zeros, starting at 1;
//   - time is UTC in RFC 3339 with exactly three fractional digits and a
//     "Z", for example 2026-11-22T01:44:10.123Z;
//   - type matches ^[a-z][a-z_]*(\.[a-z_]+)+$, for example ticket.issued;
//   - data is a JSON object in compact form (as Go's json.Compact writes it:
//     no white space outside strings, strings kept byte for byte, UTF-8);
//   - prev_hash is the hash of event seq-1, and 64 zeros (GenesisHash) for
//     event 1;
//   - hex is lowercase; there are no spaces anywhere outside the data's
//     strings and the keys always appear in the order shown.
//
// A published event therefore looks like
//
//	{"seq":1,"time":"2026-11-22T01:44:10.123Z","type":"ticket.issued","data":{"number":"A001"},"prev_hash":"0000…0000","hash":"<64 hex>"}
//
// To verify it, recover body by removing the trailing ,"hash":"<64 hex>"
// (the 74 bytes before the final "}"), compute SHA-256 over the 32 bytes of
// the previous hash followed by body, and compare its hex form with the
// published hash; then check that prev_hash equals the previous event's hash
// and that seq is one more than the previous event's.
//
// # The parts
//
//   - Parse checks one event's layout and splits it into a Record.
//   - Chain encodes events one after another, as the hall server writes them.
//   - Verifier checks and parses the events that follow a known head in one
//     step; Verify runs one over a slice, Scanner over a log in JSON Lines
//     (the server's /log.jsonl) without holding more than one event.
//
// None of the types is safe for concurrent use; a Record is a value that any
// goroutine may read.
package eventlog

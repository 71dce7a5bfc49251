// Package federation copies a hall's public log into the city's NATS
// JetStream, and names the streams the city portal reads it from.
//
// # One stream per hall
//
// Each hall has its own stream, named by Stream and holding the one subject
// <prefix>.<hall>.events, replicated on the city cluster. The stream's
// sequence is then the event's seq: event n is stream message n. That is
// what makes the copy exactly once and in order while events are sent many
// at a time: every message says which sequence the stream must have before it
// (Nats-Expected-Last-Sequence: seq-1) and carries its seq as its message ID
// (Nats-Msg-Id), so a message that arrives twice, late or after a gap is
// refused by JetStream, never stored, and the publisher resumes from the
// stream's last sequence. A stream shared by the city would need the stream
// sequence of a hall's previous event before sending the next, one round
// trip per event. Per-hall streams also let the city give each hall
// credentials for its own subject only, and deny deleting and purging, so a
// hall's history stays whole.
//
// # Who runs what
//
// A Publisher runs in the hall server: one goroutine owns the NATS
// connection and sends what the store holds after the stream's last message.
// The hall never waits for it: the engine only tells it the new head
// (Notify); when NATS is unreachable the events wait in the hall's own log
// and go out when it comes back. The city portal (server/city) reads the
// streams and nothing else.
package federation

// Package stats folds the public event log into the hall's statistics: per
// service day, and summed over months and years, per service, window and hour
// of the day, the tickets issued, called, served, missed (no-shows) and
// cancelled, the appointments checked in, waiting and service times, and calls
// by reason.
//
// Every figure comes from the public log alone, so anyone holding /log.jsonl
// can recompute it. A Stats value is kept incrementally: Add folds one
// published event at a time, and Report sums the days of a period, so that a
// year of history is never read again for a request. It imports only the
// standard library and the hall's domain (server/queue, server/eventlog).
//
// The definitions, which README repeats for those who recompute them:
//
//   - A ticket's day is the service day of its ticket.issued event; every
//     later event of the ticket counts on that day. Hours are local hours (the
//     time zone of the last hall.configured event, Asia/Shanghai before any)
//     of the event's time, and of issued_at for ticket.issued.
//   - issued, called, served (ticket.completed), no-shows (ticket.no_show),
//     cancelled (ticket.cancelled), reinstated, transferred count events;
//     appointments counts ticket.issued events with an appointment.
//   - The wait of a ticket is the time from its issued_at to its first
//     ticket.called, in whole seconds (milliseconds dropped); it counts for
//     the service and window of that call and the hour of issued_at.
//   - The service time of a completed ticket is the time from its last
//     ticket.called to its ticket.completed, in whole seconds; it counts for
//     the window and service of that call and the hour of completion.
//   - Percentiles are nearest-rank: of n values sorted ascending, the p-th
//     percentile is the value at rank ceil(p·n/100).
//   - Calls by reason count ticket.called by its reason, and every
//     ticket.recalled as "recall".
//
// A Stats is not safe for concurrent use; its owner serialises Add and Report.
package stats

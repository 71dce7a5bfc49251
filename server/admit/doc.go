// Package admit keeps a hall server answering its kiosks and staff while it is
// flooded with connections: a listener that bounds open connections in total
// and per client address, giving way to new clients by dropping the
// connections that have not finished a request, and a middleware that gives
// every request except streams a deadline to write its answer.
//
// It knows nothing of the API: the API calls Trust when a request proves an
// enrolled device or a signed-in staff member, and that connection is never
// dropped to make room.
package admit

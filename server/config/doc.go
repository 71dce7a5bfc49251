// Package config reads a hall's configuration file, hallq.toml, and builds the
// validated [queue.Hall] together with what the domain does not need: texts for
// people, staff accounts, devices, notices and server limits.
//
// The file is TOML, written by hand by a hall administrator; deploy/hallq.example.toml
// is a complete commented example. Durations are strings with a unit ("30m"),
// times of day are "HH:MM", opening hours are intervals such as "08:30-12:00" (an
// interval may end after midnight: "18:00-01:00"), and the time zone is an IANA
// name, loaded from the zone data embedded in the binary. The file never holds a
// secret: staff have bcrypt password hashes and devices the SHA-256 of their
// bearer token; cmd/hashpw makes both.
//
// [Load] and [Parse] check everything at start, so that a hall never opens with a
// half-understood file: unknown keys (with a suggestion for misspellings), types,
// values, and cross references between services, windows, staff and devices. Each
// problem is an [*Error] naming the field and its line, for example
//
//	config hallq.toml: windows[2].secondary[0]: unknown service "tax2" (line 41)
//
// [Demo] returns the built-in demo hall with fresh random credentials.
//
// A [Config] is not modified after it is returned, so any goroutine may read it.
package config

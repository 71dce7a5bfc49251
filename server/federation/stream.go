package federation

import (
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Metadata keys of a hall's stream, set by the hall's publisher and read by
// the portal.
const (
	MetaHall      = "hallq_hall"       // the hall's ID
	MetaPublicURL = "hallq_public_url" // the base URL of the hall's own pages
)

// Subject is the subject a hall's events are published on.
func Subject(prefix, hall string) string { return prefix + "." + hall + ".events" }

// SubjectFilter matches the subjects of every hall under prefix.
func SubjectFilter(prefix string) string { return prefix + ".*.events" }

// HallOf returns the hall of a subject made by Subject, or "" when subject is
// not one.
func HallOf(prefix, subject string) string {
	rest, ok := strings.CutPrefix(subject, prefix+".")
	if !ok {
		return ""
	}
	hall, ok := strings.CutSuffix(rest, ".events")
	if !ok || hall == "" || strings.Contains(hall, ".") {
		return ""
	}
	return hall
}

// InboxPrefix starts the subjects a hall's server receives its answers on.
func InboxPrefix(hall string) string { return "_INBOX_" + hall }

// Stream is the name of a hall's stream.
func Stream(prefix, hall string) string {
	return strings.ToUpper(strings.ReplaceAll(prefix, ".", "_")) + "_" + hall
}

// DuplicateWindow is how long JetStream remembers message IDs. The expected
// sequence check keeps the copy exact beyond it.
const DuplicateWindow = 2 * time.Minute

// StreamConfig is the configuration of a hall's stream: every event kept,
// nothing deleted or purged, replicas copies on the cluster.
func StreamConfig(prefix, hall, publicURL string, replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        Stream(prefix, hall),
		Description: "hallq public event log of hall " + hall,
		Subjects:    []string{Subject(prefix, hall)},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
		Duplicates:  DuplicateWindow,
		MaxMsgs:     -1,
		MaxBytes:    -1,
		Discard:     jetstream.DiscardNew,
		DenyDelete:  true,
		DenyPurge:   true,
		AllowDirect: true,
		Metadata:    map[string]string{MetaHall: hall, MetaPublicURL: publicURL},
	}
}

package stream

import (
	"hallq/server/hub"
	"hallq/server/store"
)

// StoreSource is the Source of a hall's store: the log the server wires the
// stream over.
func StoreSource(st *store.Store) Source { return storeSource{st} }

type storeSource struct{ st *store.Store }

func (s storeSource) Head() (uint64, string) { return s.st.Head() }

func (s storeSource) EventsAfter(after uint64, limit int) ([]hub.Event, error) {
	recs, err := s.st.EventsAfter(after, limit)
	if err != nil {
		return nil, err
	}
	evs := make([]hub.Event, len(recs))
	for i, r := range recs {
		evs[i] = hub.Event{Seq: r.Seq, Data: r.Raw}
	}
	return evs, nil
}

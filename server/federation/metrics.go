package federation

import "github.com/prometheus/client_golang/prometheus"

// Collectors are the publisher's metrics: the replication lag in events and
// seconds, the last stored seq and whether NATS is connected.
func (p *Publisher) Collectors() []prometheus.Collector {
	gauge := func(name, help string, f func(Status) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(p.Status()) })
	}
	return []prometheus.Collector{
		gauge("hallq_federation_lag_events", "Events committed by the hall and not yet stored in its JetStream stream.",
			func(s Status) float64 { return float64(s.Lag) }),
		gauge("hallq_federation_lag_seconds", "How long the oldest event not yet stored in JetStream has waited.",
			func(s Status) float64 { return s.LagAge.Seconds() }),
		gauge("hallq_federation_stored_seq", "Last event the hall's JetStream stream confirmed.",
			func(s Status) float64 { return float64(s.Stored) }),
		gauge("hallq_federation_connected", "1 while the hall is connected to NATS.",
			func(s Status) float64 {
				if s.Connected {
					return 1
				}
				return 0
			}),
	}
}

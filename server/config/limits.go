package config

import "time"

func (p *parser) floodLimits(raw fileLimits) FloodLimits {
	l := FloodLimits{
		DeviceStatusInterval: p.durationIn("limits.device_status_interval", raw.DeviceStatusInterval, DefaultDeviceStatusInterval, time.Second, time.Hour),
		ReadTimeout:          p.durationIn("limits.read_timeout", raw.ReadTimeout, DefaultReadTimeout, time.Second, 5*time.Minute),
		WriteTimeout:         p.durationIn("limits.write_timeout", raw.WriteTimeout, DefaultWriteTimeout, time.Second, 10*time.Minute),
	}
	l.MaxConnections = p.intIn("limits.max_connections", raw.MaxConnections, DefaultMaxConnections, 16, 1<<20)
	l.MaxConnectionsPerAddress = p.intIn("limits.max_connections_per_address", raw.MaxConnectionsPerAddress,
		min(DefaultMaxConnectionsPerAddress, l.MaxConnections), 1, l.MaxConnections)
	l.WSMaxSubscribers = p.intIn("limits.ws_max_subscribers", raw.WSMaxSubscribers, DefaultWSMaxSubscribers, 1, 1<<20)
	l.WSMaxPerAddress = p.intIn("limits.ws_max_per_address", raw.WSMaxPerAddress, DefaultWSMaxPerAddress, 1, 1<<20)
	l.WSReplays = p.intIn("limits.ws_replays", raw.WSReplays, DefaultWSReplays, 1, 1024)
	l.WithdrawalsPerKioskPerDay = p.intIn("limits.withdrawals_per_kiosk_per_day", raw.WithdrawalsPerKioskPerDay,
		DefaultWithdrawalsPerKioskPerDay, 1, 100000)
	return l
}

// durationIn returns a duration of the file, or def when it is absent,
// checking that it lies in [lo, hi].
func (p *parser) durationIn(field string, v duration, def, lo, hi time.Duration) time.Duration {
	d := v.or(def)
	if d < lo || d > hi {
		p.errorf(field, "%s must be between %s and %s", d, lo, hi)
	}
	return d
}

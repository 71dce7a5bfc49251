package api

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"hallq/server/config"
	"hallq/server/queue"
	"hallq/server/wire"
)

// handleDeviceStatus records a kiosk's printer health, so that staff see a
// kiosk out of paper on the board and the counter page. Reports are coalesced
// per kiosk: at most one device.status event per interval, the latest state
// written when the interval ends.
func (s *Server) handleDeviceStatus(w http.ResponseWriter, r *http.Request) {
	d, err := s.device(r, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if d.Kind != config.KindKiosk {
		s.writeError(w, r, queue.Errorf(queue.EFORBIDDEN, "device %s is a %s: only kiosks, which have a printer, report printer status", d.ID, d.Kind).
			Zh("只有带打印机的取号机可以上报打印机状态"))
		return
	}
	var req wire.DeviceStatus
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := queue.CheckDeviceStatus(req.Printer, req.Detail); err != nil {
		s.writeError(w, r, err)
		return
	}
	written, changed, err := s.status.report(r.Context(), d.ID, deviceState{req.Printer, req.Detail})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if changed {
		if req.Printer != wire.PrinterOK {
			s.log.Warn("device reports a printer problem", "device", d.ID, "printer", req.Printer, "detail", req.Detail)
		} else {
			s.log.Info("device reports its printer ok again", "device", d.ID)
		}
	}
	writeJSON(w, http.StatusOK, wire.DeviceStatus{Device: d.ID, Printer: req.Printer, Deferred: !written})
}

// Enrolled reports whether a request carries an enrolled device's token.
func (s *Server) Enrolled(r *http.Request) bool {
	if r.Header.Get("Authorization") == "" {
		return false
	}
	_, err := s.device(r, "")
	return err == nil
}

// deviceState is a printer health report.
type deviceState struct {
	printer queue.PrinterState
	detail  string
}

// statusCoalescer writes devices' printer health at most once per interval
// per device; a report within the interval waits, replacing any report that
// waited before it, and is written when the interval ends. The state of
// devices is bounded by the enrolled devices.
type statusCoalescer struct {
	interval time.Duration
	write    func(ctx context.Context, device string, st deviceState) error
	log      *slog.Logger

	mu      sync.Mutex
	devices map[string]*deviceReports
	closed  bool
}

// deviceReports is what the coalescer knows of one device.
type deviceReports struct {
	last     deviceState // last state reported, written or not
	reported bool
	written  time.Time    // when a report was last written
	pending  *deviceState // waiting for the interval to end
	timer    *time.Timer  // writes pending when the interval ends
}

func newStatusCoalescer(interval time.Duration, log *slog.Logger, write func(context.Context, string, deviceState) error) *statusCoalescer {
	return &statusCoalescer{interval: interval, write: write, log: log, devices: map[string]*deviceReports{}}
}

// report takes a device's report: written now if the device's interval has
// passed, else kept to be written when it ends. changed tells whether it
// differs from the device's previous report.
func (c *statusCoalescer) report(ctx context.Context, device string, st deviceState) (written, changed bool, err error) {
	c.mu.Lock()
	d := c.devices[device]
	if d == nil {
		d = &deviceReports{}
		c.devices[device] = d
	}
	changed = !d.reported || d.last != st
	d.last, d.reported = st, true
	now := time.Now()
	if c.closed || d.timer == nil && now.Sub(d.written) >= c.interval {
		d.written = now
		c.mu.Unlock()
		return true, changed, c.write(ctx, device, st)
	}
	d.pending = &st
	if d.timer == nil {
		d.timer = time.AfterFunc(d.written.Add(c.interval).Sub(now), func() { c.flush(device) })
	}
	c.mu.Unlock()
	return false, changed, nil
}

// flush writes a device's waiting report.
func (c *statusCoalescer) flush(device string) {
	c.mu.Lock()
	d := c.devices[device]
	st := d.pending
	d.pending, d.timer = nil, nil
	if st == nil {
		c.mu.Unlock()
		return
	}
	d.written = time.Now()
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.write(ctx, device, *st); err != nil {
		c.log.Error("printer status not recorded", "device", device, "printer", st.printer, "err", err)
	}
}

// close writes the reports still waiting, now, and writes later ones at once.
func (c *statusCoalescer) close() {
	c.mu.Lock()
	c.closed = true
	var waiting []string
	for id, d := range c.devices {
		if d.timer != nil && d.timer.Stop() {
			waiting = append(waiting, id)
		}
	}
	c.mu.Unlock()
	for _, id := range waiting {
		c.flush(id)
	}
}

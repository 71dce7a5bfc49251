package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"hallq/server/client"
	"hallq/server/eventlog"
	"hallq/server/wire"
)

// contact records whether the server answered. Coming back online starts a
// sync at once.
func (k *Kiosk) contact(ok bool, err error) {
	k.mu.Lock()
	was, first := k.online, !k.contacted
	k.online, k.contacted = ok, true
	if ok && !was {
		k.needLeases = true
	}
	k.mu.Unlock()
	if was == ok && !first {
		return
	}
	if ok {
		k.log.Info("server reachable")
		poke(k.wake)
		poke(k.kick)
	} else {
		k.log.Warn("server unreachable: issuing from leases", "err", err)
	}
	k.notify()
}

// unreachable reports whether err means the server was not reached, or
// could not act on the request (shutting down): not a refusal.
func unreachable(err error) bool {
	if err == nil {
		return false
	}
	var e *client.Error
	if !errors.As(err, &e) {
		return true
	}
	return e.Code == "" || e.Code == wire.EUNAVAILABLE
}

// Run keeps the kiosk linked to the server until ctx ends: it follows the
// event stream to keep the board live, probes the server while it is
// unreachable, syncs the outbox when it is back, keeps leases topped up,
// checks the printer and reports its health.
func (k *Kiosk) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { k.streamLoop(ctx) })
	wg.Go(func() { k.boardLoop(ctx) })
	tick := time.NewTicker(k.opts.Tick)
	defer tick.Stop()
	var printerChecked time.Time
	for {
		k.maintain(ctx)
		if k.prn != nil && k.opts.Now().Sub(printerChecked) >= k.opts.PrinterEvery {
			printerChecked = k.opts.Now()
			k.checkPrinter(ctx)
		}
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
		case <-k.wake:
		}
	}
}

// maintain does one round of the link's chores.
func (k *Kiosk) maintain(ctx context.Context) {
	k.mu.Lock()
	online, known, pending := k.online, k.hall != nil && k.device != nil, k.pending
	k.mu.Unlock()
	if !online || !known {
		// Back from offline, the offline tickets go first: the server places
		// none of them before the kiosk's last request, so any other
		// request made before their sync would move them back.
		if known && pending > 0 {
			sctx, cancel := context.WithTimeout(ctx, 4*k.opts.RequestTimeout)
			synced := k.syncOffline(sctx)
			cancel()
			if !synced {
				k.refreshCounts()
				return // the next round tries again, before anything else
			}
		}
		if !k.connect(ctx) {
			k.refreshCounts()
			return
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 4*k.opts.RequestTimeout)
	defer cancel()
	day := k.today()
	k.mu.Lock()
	if day != k.leasesDay {
		k.needLeases = true // a new service day: yesterday's leases are void
	}
	pending, withdraw, needLeases := k.pending, k.withdraw, k.needLeases
	kiosk := k.device.ID
	k.mu.Unlock()
	if pending > 0 && !k.syncOffline(rctx) {
		return
	}
	k.mu.Lock()
	unsynced := k.pending > 0
	k.mu.Unlock()
	if withdraw > 0 && !k.withdrawUnanswered(rctx, kiosk) {
		return
	}
	if needLeases && !k.compareLeases(rctx, day) {
		return
	}
	// A lease granted is a public contact of this kiosk, after which the
	// server places no offline ticket earlier: none is asked for while
	// offline tickets wait to be synced.
	if !unsynced && !k.topUp(rctx, day) {
		return
	}
	k.mu.Lock()
	stale := k.opts.Now().Sub(k.boardAt) >= k.opts.BoardEvery
	k.mu.Unlock()
	if !k.reportPrinter(rctx) {
		return
	}
	if stale {
		poke(k.kick)
	}
}

// syncOffline sends the offline tickets of the outbox to the server. It
// returns false when the server could not be reached.
func (k *Kiosk) syncOffline(ctx context.Context) bool {
	res, err := k.box.Drain(ctx, k.srv)
	for _, t := range res.Synced {
		k.log.Info("offline ticket synced", "number", t.Number, "lease", t.Lease, "local_seq", t.Seq, "log_seq", t.LogSeq,
			"replaces", t.Replaces)
	}
	for _, t := range res.Refused {
		k.log.Error("offline ticket refused by the server", "number", t.Number, "lease", t.Lease, "local_seq", t.Seq, "reason", t.Refusal)
	}
	if len(res.Synced) > 0 {
		poke(k.kick)
	}
	if err != nil {
		k.fail(fmt.Sprintf("sync of offline tickets stopped with %d left", res.Left), err)
		if unreachable(err) {
			return false
		}
	}
	k.refreshCounts()
	return true
}

// withdrawUnanswered asks the server to withdraw the tickets it may have
// issued for requests that got no answer. It returns false when the server
// could not be reached.
func (k *Kiosk) withdrawUnanswered(ctx context.Context, kiosk string) bool {
	res, err := k.box.DrainWithdrawals(ctx, kiosk, k.srv)
	for _, w := range res.Withdrawn {
		if w.Number != "" {
			k.log.Info("unanswered ticket request withdrawn", "number", w.Number, "service", w.Service, "idempotency_key", w.Key)
		} else {
			k.log.Info("unanswered ticket request settled: the server had no waiting ticket for it", "service", w.Service,
				"idempotency_key", w.Key)
		}
	}
	for _, w := range res.Refused {
		k.log.Error("withdrawal of an unanswered ticket request refused by the server: dropped", "service", w.Service,
			"idempotency_key", w.Key, "reason", w.Refusal)
	}
	if len(res.Withdrawn) > 0 {
		poke(k.kick)
	}
	if err != nil {
		k.fail(fmt.Sprintf("withdrawal of unanswered requests stopped with %d left", res.Left), err)
		if unreachable(err) {
			return false
		}
	}
	k.refreshCounts()
	return true
}

// compareLeases replaces the outbox's leases with the server's, and prunes
// settled offline tickets of past days. It returns false when the leases could
// not be listed or stored.
func (k *Kiosk) compareLeases(ctx context.Context, day string) bool {
	leases, err := k.srv.Leases(ctx)
	if err != nil {
		k.fail("list leases", err)
		return false
	}
	if err := k.box.ReplaceLeases(leases); err != nil {
		k.log.Error("outbox", "err", err)
		return false
	}
	if d, err := time.Parse(time.DateOnly, day); err == nil {
		if n, err := k.box.Prune(d.AddDate(0, 0, -1).Format(time.DateOnly)); err != nil {
			k.log.Error("outbox", "err", err)
		} else if n > 0 {
			k.log.Info("pruned settled offline tickets", "count", n)
		}
	}
	k.mu.Lock()
	k.needLeases, k.leasesDay = false, day
	k.mu.Unlock()
	k.refreshCounts()
	return true
}

// reportPrinter reports the printer's health to the server when it changed
// since the last report. It returns false when the report failed.
func (k *Kiosk) reportPrinter(ctx context.Context) bool {
	k.mu.Lock()
	report, reported := k.prnState, k.reported
	k.mu.Unlock()
	if report.Code != "" && report != reported {
		if err := k.srv.ReportDevice(ctx, report.Code, report.Detail); err != nil {
			k.fail("report printer status", err)
			return false
		}
		k.log.Info("printer status reported", "printer", report.Code, "detail", report.Detail)
		k.mu.Lock()
		k.reported = report
		k.mu.Unlock()
	}
	return true
}

// fail logs a failed chore (each distinct failure once, as chores are
// retried every tick) and notes an unreachable server.
func (k *Kiosk) fail(what string, err error) {
	if unreachable(err) {
		k.contact(false, err)
		return
	}
	k.mu.Lock()
	repeated := k.lastFail == what+err.Error()
	k.lastFail = what + err.Error()
	k.mu.Unlock()
	if repeated {
		k.log.Debug(what, "err", err)
		return
	}
	k.log.Error(what, "err", err)
}

// connect asks the server for the hall, the kiosk's device and the board.
func (k *Kiosk) connect(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, k.opts.RequestTimeout)
	defer cancel()
	hall, err := k.srv.Hall(ctx)
	if err != nil {
		k.fail("hall", err)
		return false
	}
	dev, err := k.srv.DeviceMe(ctx)
	if err != nil {
		if code := client.ErrorCode(err); code == wire.EUNAUTHORIZED || code == wire.EFORBIDDEN {
			k.mu.Lock()
			changed := !k.unenrolled
			k.unenrolled = true
			k.mu.Unlock()
			if changed {
				k.notify()
			}
		}
		k.fail("the server does not accept this kiosk's token (-token)", err)
		return false
	}
	board, err := k.srv.Board(ctx)
	if err != nil {
		k.fail("board", err)
		return false
	}
	k.mu.Lock()
	first := k.device == nil || k.device.ID != dev.ID
	k.setHallLocked(hall)
	k.device, k.unenrolled, k.lastFail = dev, false, ""
	k.mu.Unlock()
	if first {
		k.log.Info("kiosk enrolled", "device", dev.ID, "name", dev.Name, "hall", hall.ID)
	}
	for name, v := range map[string]any{metaHall: hall, metaDevice: dev} {
		if err := k.box.Put(name, v); err != nil {
			k.log.Error("outbox", "err", err)
		}
	}
	k.setBoard(board)
	k.contact(true, nil)
	k.refreshCounts()
	return true
}

// setBoard takes a fresh board, and the server's clock from its answer.
func (k *Kiosk) setBoard(b *wire.Board) {
	now := k.opts.Now()
	k.mu.Lock()
	k.board, k.boardAt = b, now
	if !k.clockFromServerLocked(now) && !b.Time.IsZero() {
		// The board's time, in whole seconds: a server that does not
		// send its time with each answer.
		k.offset = b.Time.Sub(now).Truncate(time.Second)
	}
	save := now.Sub(k.savedAt) >= time.Minute
	if save {
		k.savedAt = now
	}
	offset := k.offset
	k.mu.Unlock()
	if save {
		if err := k.box.Put(metaBoard, b); err != nil {
			k.log.Error("outbox", "err", err)
		}
		if err := k.box.Put(metaOffset, offset); err != nil {
			k.log.Error("outbox", "err", err)
		}
	}
	k.notify()
}

// topUp asks for leased numbers of each service the kiosk may issue offline
// whose holding went down since the last request. It returns false when the
// server could not be reached.
func (k *Kiosk) topUp(ctx context.Context, day string) bool {
	k.mu.Lock()
	var services []string
	if k.hall != nil {
		for _, svc := range offered(k.hall, k.device) {
			if !svc.RealName {
				services = append(services, svc.ID)
			}
		}
	}
	k.mu.Unlock()
	rem, err := k.box.Remaining(day)
	if err != nil {
		k.log.Error("outbox", "err", err)
		return true
	}
	for _, svc := range services {
		key := day + "/" + svc
		k.mu.Lock()
		full, asked := k.full[key]
		k.mu.Unlock()
		if asked && rem[svc] >= full {
			continue
		}
		l, err := k.srv.GrantLease(ctx, svc, 0)
		switch {
		case err == nil:
			if err := k.box.AddLease(*l); err != nil {
				k.log.Error("outbox", "err", err)
				continue
			}
			full = rem[svc] + len(l.Numbers)
			k.log.Info("lease granted", "lease", l.ID, "service", svc, "numbers", len(l.Numbers), "day", l.Day)
		case unreachable(err):
			k.contact(false, err)
			return false
		default:
			// A full holding (ECONFLICT), all numbers taken (ELIMIT) or a
			// service not leased: ask again when numbers were used.
			full = rem[svc]
			k.log.Debug("no lease", "service", svc, "err", err)
		}
		k.mu.Lock()
		k.full[key] = full
		k.mu.Unlock()
	}
	k.refreshCounts()
	return true
}

// streamLoop follows the public log while the server is reachable, and
// refreshes the board after every event.
func (k *Kiosk) streamLoop(ctx context.Context) {
	for ctx.Err() == nil {
		k.mu.Lock()
		ready := k.online && k.board != nil
		var after uint64
		if k.board != nil {
			after = k.board.Seq
		}
		k.mu.Unlock()
		if !ready {
			select {
			case <-ctx.Done():
				return
			case <-time.After(k.opts.Tick):
			}
			continue
		}
		sctx, cancel := context.WithCancel(ctx)
		k.srv.Stream(sctx, after, client.StreamHandler{
			Event: func(eventlog.Record) error {
				poke(k.kick)
				return nil
			},
			Status: func(st client.StreamStatus) {
				switch st.State {
				case client.StreamLive:
					k.contact(true, nil)
				case client.StreamDown:
					// Resume from a fresh board once the server answers
					// again (a log that changed under us, ECONFLICT, too).
					if unreachable(st.Err) {
						k.contact(false, st.Err)
					}
					cancel()
				}
			},
		})
		cancel()
		if ctx.Err() == nil {
			poke(k.kick)
			select {
			case <-ctx.Done():
			case <-time.After(k.opts.Tick):
			}
		}
	}
}

// boardLoop refreshes the board when kicked, at most a few times a second.
func (k *Kiosk) boardLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.kick:
		}
		rctx, cancel := context.WithTimeout(ctx, k.opts.RequestTimeout)
		b, err := k.srv.Board(rctx)
		cancel()
		if err != nil {
			k.fail("board", err)
		} else {
			k.setBoard(b)
			k.contact(true, nil)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

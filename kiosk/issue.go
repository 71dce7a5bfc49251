package main

import (
	"context"
	"errors"
	"time"

	"hallq/kiosk/outbox"
	"hallq/server/client"
	"hallq/server/wire"
)

// Refusal is a number the kiosk cannot give, with what to tell the applicant.
type Refusal struct {
	Msg msg
	Err error // the server's refusal, if it refused
}

// Error implements error.
func (r *Refusal) Error() string {
	if r.Err != nil {
		return "kiosk: no number: " + r.Err.Error()
	}
	return "kiosk: no number: " + r.Msg.en
}

// Unwrap returns the server's refusal, if any.
func (r *Refusal) Unwrap() error { return r.Err }

// Issued is a number given to an applicant, online or from a lease.
type Issued struct {
	Number    string
	Service   string
	ServiceZH string
	ServiceEN string
	Ahead     int
	// AheadEstimated: offline, Ahead and ETA are estimates from the last
	// board the kiosk saw.
	AheadEstimated bool
	ETA            time.Duration
	IssuedAt       time.Time // in the hall's zone
	StatusURL      string
	// Token is the ticket's token on the server, to leave a phone number
	// for it; empty for a ticket issued offline.
	Token   string
	LogSeq  uint64
	LogHash string
	// CheckpointSeq and CheckpointHash are what the hall's last signed
	// checkpoint signed; zero for an offline ticket.
	CheckpointSeq  uint64
	CheckpointHash string
	// Offline: issued from a lease; Local is its record in the outbox.
	Offline bool
	Local   outbox.Ticket
	// Reprint: a check-in of a booking checked in before (whose answer was
	// lost, say) gave the ticket it became again.
	Reprint bool
}

// refusalMsg is what an applicant reads of a server's refusal.
func refusalMsg(err error) msg {
	var e *client.Error
	if errors.As(err, &e) && (e.MessageZH != "" || e.Message != "") {
		return msg{e.MessageZH, e.Message}
	}
	return txtFault
}

// Doc is an applicant's identity document as typed: its kind (queue.Doc*)
// and number. The kiosk keeps it only while the request is made.
type Doc struct {
	Kind   string
	Number string
}

// Issue takes a number of service for an applicant (doc is the identity
// document of a real-name service, zero for another). Online the server issues it; when the
// server cannot be reached, a service that needs no identity is issued from
// the kiosk's lease and recorded in the outbox before Issue returns. A
// leased number printed because a request got no answer names that request,
// so that its sync withdraws the ticket the server may have issued for it;
// when nothing can be printed instead, the request is recorded in the outbox
// before Issue returns, to be withdrawn on its own once the server answers.
// A *Refusal says why no number was given.
func (k *Kiosk) Issue(ctx context.Context, service string, doc Doc) (*Issued, error) {
	k.mu.Lock()
	online, hall := k.online, k.hall
	k.mu.Unlock()
	if hall == nil {
		return nil, &Refusal{Msg: txtConnecting}
	}
	svc, ok := hall.Service(service)
	if !ok {
		return nil, &Refusal{Msg: txtNotOffered}
	}
	var replaces string // the key of a request sent without an answer
	if online {
		// A ticket issued online is a public contact of this kiosk, and the
		// server places offline tickets synced after it no earlier than that:
		// the outbox goes first.
		k.mu.Lock()
		pending := k.pending
		k.mu.Unlock()
		if pending > 0 {
			sctx, cancel := context.WithTimeout(ctx, k.opts.RequestTimeout)
			k.syncOffline(sctx)
			cancel()
		}
		req := wire.IssueRequest{Service: service, IdempotencyKey: client.NewIdempotencyKey()}
		if doc.Number != "" {
			req.IDNumber, req.IDKind = doc.Number, doc.Kind
		}
		rctx, cancel := context.WithTimeout(ctx, k.opts.RequestTimeout)
		tk, err := k.srv.IssueTicket(rctx, req)
		cancel()
		if err == nil {
			k.contact(true, nil)
			poke(k.kick)
			k.log.Info("ticket issued", "number", tk.Number, "service", service, "seq", tk.Seq)
			k.mu.Lock()
			loc := k.loc
			k.mu.Unlock()
			return &Issued{Number: tk.Number, Service: tk.Service, ServiceZH: tk.ServiceNameZH, ServiceEN: tk.ServiceNameEN,
				Ahead: tk.Ahead, ETA: time.Duration(tk.ETASeconds) * time.Second, IssuedAt: tk.IssuedAt.In(loc),
				StatusURL: tk.StatusURL, Token: tk.Token, LogSeq: tk.Seq, LogHash: tk.Hash,
				CheckpointSeq: tk.CheckpointSeq, CheckpointHash: tk.CheckpointHash}, nil
		}
		if !unreachable(err) {
			k.log.Info("number refused", "service", service, "err", err)
			return nil, &Refusal{Msg: refusalMsg(err), Err: err}
		}
		k.contact(false, err)
		replaces = req.IdempotencyKey
		k.log.Warn("ticket request unanswered: issuing from the lease in its place", "service", service,
			"idempotency_key", replaces, "err", err)
	}
	is, err := k.issueOffline(svc, replaces)
	if err != nil && replaces != "" {
		k.withdrawLater(svc.ID, replaces, err)
	}
	return is, err
}

// withdrawLater records that the request of idempotency key key got no
// answer and that the applicant got no number in its place, so that once the
// server answers again it withdraws the ticket it may have issued for the
// request: nobody holds it. It runs before the applicant is told.
func (k *Kiosk) withdrawLater(service, key string, why error) {
	k.mu.Lock()
	dev, now := k.device, k.opts.Now().Add(k.offset)
	k.mu.Unlock()
	if dev == nil {
		k.log.Error("unanswered ticket request not recorded for withdrawal: the kiosk does not know its device ID",
			"service", service, "idempotency_key", key)
		return
	}
	if err := k.box.AddWithdrawal(outbox.Withdrawal{Kiosk: dev.ID, Key: key, Service: service, At: now}); err != nil {
		k.log.Error("unanswered ticket request not recorded for withdrawal: a ticket issued for it may wait for nobody",
			"service", service, "idempotency_key", key, "err", err)
		return
	}
	k.log.Warn("no number given in place of an unanswered ticket request: it will be withdrawn", "service", service,
		"idempotency_key", key, "why", why)
	k.refreshCounts()
	poke(k.wake)
}

// issueOffline issues the next leased number of svc and records it, in place
// of the request of idempotency key replaces if not empty.
func (k *Kiosk) issueOffline(svc wire.Service, replaces string) (*Issued, error) {
	if svc.RealName {
		return nil, &Refusal{Msg: txtRealNameOff}
	}
	k.mu.Lock()
	local := k.opts.Now()
	k.clockFromServerLocked(local) // the print time claimed is the server's, as well as the kiosk knows it
	hall, dev, loc, rule, board, boardAt, offset := k.hall, k.device, k.loc, k.rule, k.board, k.boardAt, k.offset
	now := local.Add(offset)
	day := rule.Day(now)
	k.mu.Unlock()
	if !rule.IsOpen(now) {
		return nil, &Refusal{Msg: msgf(txtClosed, hall.Hours)}
	}
	if dev == nil {
		return nil, &Refusal{Msg: txtNoLease}
	}
	tk, err := k.box.TakeReplacing(dev.ID, day, svc.ID, "", replaces, now)
	if errors.Is(err, outbox.ErrSpent) {
		k.log.Warn("lease spent: no number given", "service", svc.ID, "day", day)
		return nil, &Refusal{Msg: txtLeaseSpent}
	}
	if err != nil {
		return nil, err
	}
	// People ahead: those waiting on the last board, and the numbers this
	// kiosk issued offline since.
	ahead, windows := 0, 1
	var since time.Time
	if board != nil {
		since = boardAt.Add(offset)
		for _, sb := range board.Services {
			if sb.ID == svc.ID {
				ahead, windows = sb.Waiting, max(sb.Windows, 1)
			}
		}
	}
	if pending, err := k.box.Pending(); err == nil {
		for _, p := range pending {
			if p.Service == svc.ID && p.Seq != tk.Seq && p.IssuedAt.After(since) {
				ahead++
			}
		}
	}
	is := &Issued{Number: tk.Number, Service: svc.ID, ServiceZH: svc.NameZH, ServiceEN: svc.NameEN,
		Ahead: ahead, AheadEstimated: true,
		ETA:      time.Duration(ahead*svc.AvgServiceSecs/windows) * time.Second,
		IssuedAt: tk.IssuedAt.In(loc), StatusURL: tk.StatusURL, Offline: true, Local: tk}
	if board != nil {
		is.LogSeq, is.LogHash = board.Seq, board.Hash
	}
	k.log.Info("ticket issued offline", "number", tk.Number, "lease", tk.Lease, "kiosk", tk.Kiosk, "local_seq", tk.Seq,
		"replaces", tk.Replaces)
	k.refreshCounts()
	k.notify()
	poke(k.wake)
	return is, nil
}

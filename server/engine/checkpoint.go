package engine

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"hallq/server/audit"
	"hallq/server/eventlog"
	"hallq/server/queue"
)

// checkpointDue says whether a checkpoint must follow the event just emitted,
// and why: "seal" after a day's seal, "interval" after CheckpointEvents events
// since the last one; "" when none is due. It runs on the sequencer goroutine.
func (e *Engine) checkpointDue(ev queue.Event) string {
	if e.opts.CheckpointKey == nil || ev.Type == queue.TypeLogCheckpoint {
		return ""
	}
	if ev.Type == queue.TypeDaySealed {
		return "seal"
	}
	if e.working.Seq-e.working.Checkpoint > uint64(e.opts.CheckpointEvents) {
		return "interval"
	}
	return ""
}

// sign returns the checkpoint of the chain's head, made at time at, and its
// encoded data. It runs on the sequencer goroutine.
func (e *Engine) sign(at time.Time, cause string) (queue.Event, []byte, error) {
	at = at.UTC().Truncate(time.Millisecond)
	seq, hash := e.chain.Head()
	cp := audit.SignCheckpoint(e.opts.CheckpointKey, e.hall.ID, seq, hash, at.Format(eventlog.TimeLayout), cause)
	data, err := json.Marshal(&cp)
	if err != nil {
		return queue.Event{}, nil, fmt.Errorf("engine: encode checkpoint: %w", err)
	}
	return queue.Event{Time: at, Type: queue.TypeLogCheckpoint, Data: &cp}, data, nil
}

// checkpointer is the goroutine that signs the log every CheckpointInterval
// when events came since the last checkpoint, so that no event stays unsigned
// long on a quiet day.
func (e *Engine) checkpointer() {
	t := time.NewTicker(min(e.opts.CheckpointInterval/4, time.Minute))
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
		}
		due := false
		e.Read(func(s *queue.State, seq uint64, _ string) {
			due = seq > s.Checkpoint+1 && e.opts.Now().Sub(s.CheckpointAt) >= e.opts.CheckpointInterval
		})
		if due {
			if err := e.Checkpoint(context.Background()); err != nil && err != errClosed {
				e.log.Error("checkpoint", "err", err)
			}
		}
	}
}

// Checkpoint appends a log.checkpoint event signing the head of the log now,
// unless the last event is already one.
func (e *Engine) Checkpoint(ctx context.Context) error {
	if e.opts.CheckpointKey == nil {
		return queue.Errorf(queue.ECONFLICT, "the hall signs no checkpoints")
	}
	_, err := e.do(ctx, func(_ *prep, s *queue.State, now time.Time) (any, []queue.Event, error) {
		if s.Seq == s.Checkpoint+1 && s.Seq > 0 {
			return nil, nil, nil // the head is a checkpoint already
		}
		return nil, []queue.Event{{Time: now, Type: queue.TypeLogCheckpoint}}, nil
	}, nil)
	return err
}

// configure appends the hall's public description as a hall.configured event
// when it differs from the last one in the log, so that the rules in force at
// any moment can be read from the log.
func (e *Engine) configure() error {
	if e.opts.Public == nil {
		return nil
	}
	want, err := json.Marshal(e.opts.Public)
	if err != nil {
		return fmt.Errorf("engine: encode the hall's public description: %w", err)
	}
	var have []byte
	e.Read(func(s *queue.State, _ uint64, _ string) {
		if s.Configured != nil {
			have, err = json.Marshal(s.Configured)
		}
	})
	if err != nil || bytes.Equal(have, want) {
		return err
	}
	pub := *e.opts.Public
	_, err = e.do(context.Background(), func(_ *prep, _ *queue.State, now time.Time) (any, []queue.Event, error) {
		return nil, []queue.Event{{Time: now, Type: queue.TypeHallConfigured, Data: &pub}}, nil
	}, nil)
	if err != nil {
		return fmt.Errorf("engine: publish the hall's configuration: %w", err)
	}
	e.log.Info("the hall's public configuration changed: appended hall.configured")
	return nil
}

// PublicKey returns the Ed25519 public key that signs the log's checkpoints,
// in standard base64, or "" when the hall signs none.
func (e *Engine) PublicKey() string {
	if e.opts.CheckpointKey == nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(e.opts.CheckpointKey.Public().(ed25519.PublicKey))
}

// LastCheckpoint returns the seq and hash the last committed checkpoint
// signed, or (0, "") before the first.
func (e *Engine) LastCheckpoint() (seq uint64, hash string) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.committed.Checkpoint, e.committed.CheckpointHash
}

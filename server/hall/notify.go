package hall

import (
	"log/slog"
	"path/filepath"
	"time"

	"hallq/server/config"
	"hallq/server/engine"
	"hallq/server/notify"
)

// openNotifier starts the hall's notifier, with its numbers in notify.db
// beside hallq.db; nil when the configuration sets none.
func openNotifier(cfg config.Notify, dataDir string, eng *engine.Engine, noSync bool, backoff time.Duration, log *slog.Logger) (*notify.Notifier, error) {
	if !cfg.Enabled() {
		return nil, nil
	}
	var sender notify.Sender = &notify.Webhook{URL: cfg.Webhook}
	if len(cfg.Command) > 0 {
		sender = &notify.Command{Argv: cfg.Command}
	}
	return notify.Open(notify.Options{Path: filepath.Join(dataDir, "notify.db"), Hall: eng, Sender: sender,
		Timeout: cfg.Timeout, Attempts: cfg.Attempts, Backoff: backoff, CloseAhead: cfg.CloseAhead,
		NoSync: noSync, Logger: log})
}

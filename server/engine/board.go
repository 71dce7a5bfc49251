package engine

import "hallq/server/queue"

// Board returns the public snapshot of the hall at the committed head.
func (e *Engine) Board() queue.Board {
	now := e.opts.Now()
	var b queue.Board
	e.Read(func(s *queue.State, seq uint64, hash string) {
		b = queue.BoardOf(e.hall, s, now, seq, hash)
	})
	return b
}

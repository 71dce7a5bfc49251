package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"hallq/server/audit"
	"hallq/server/queue"
)

// checkpointBook is a file of remembered checkpoints: a JSON array of
// checkpoints as log.checkpoint events carry them. A verifier that keeps one
// catches a server that later shows a different history for a seq it signed.
type checkpointBook struct {
	path string
	list []queue.CheckpointData
}

func openBook(path string) (*checkpointBook, error) {
	b := &checkpointBook{path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &b.list); err != nil {
		return nil, fmt.Errorf("checkpoints %s: %w", path, err)
	}
	for i := range b.list {
		if !audit.VerifyCheckpoint(&b.list[i]) {
			return nil, fmt.Errorf("checkpoints %s: the checkpoint of event %d has no valid signature", path, b.list[i].Seq)
		}
	}
	return b, nil
}

// add remembers the verified checkpoints of a consistent log.
func (b *checkpointBook) add(rep *audit.Report) error {
	if !rep.Consistent {
		return nil
	}
	have := map[uint64]bool{}
	for _, c := range b.list {
		have[c.Seq] = true
	}
	n := len(b.list)
	for _, c := range rep.Checkpoints {
		if c.OK && !have[c.Signs] {
			b.list = append(b.list, queue.CheckpointData{Hall: c.Hall, Seq: c.Signs, Hash: c.Hash, Time: c.Time, Key: c.Key, Sig: c.Sig})
			have[c.Signs] = true
		}
	}
	if len(b.list) == n {
		return nil
	}
	data, err := json.MarshalIndent(b.list, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(b.path), ".checkpoints-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), b.path)
}

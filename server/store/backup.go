package store

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// BackupName is the name of the store's file in a backup directory.
const BackupName = "hallq.db"

// Backup writes a consistent copy of the store, as of the moment it starts,
// to dir/hallq.db (dir is created; an earlier copy there is replaced only
// once the new one is complete and synced), while commits go on: the
// journal's batches committed before the call are in it, later ones are
// not. The copy is a complete store without a journal: restoring it is
// putting it in place of hallq.db with no hallq.db-journal beside it. It
// returns the seq of the last event the copy holds.
func (s *Store) Backup(dir string) (uint64, error) {
	if err := s.flush(); err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	path := filepath.Join(dir, BackupName)
	f, err := os.CreateTemp(dir, ".hallq.db-*")
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing to remove
	defer f.Close()
	var seq uint64
	err = s.db.View(func(btx *bolt.Tx) error {
		if v := btx.Bucket(BucketMeta).Get(metaHead); len(v) >= 8 {
			seq = binary.BigEndian.Uint64(v)
		}
		_, err := btx.WriteTo(f)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Close()
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err == nil {
		err = syncDir(path)
	}
	if err != nil {
		return 0, fmt.Errorf("store: backup to %s: %w", dir, err)
	}
	return seq, nil
}

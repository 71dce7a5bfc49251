package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
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
// putting it in place of hallq.db with no hallq.db-journal beside it, and
// dir/archive in place of the archive directory. The archives the copy
// lists are copied into dir/archive before the copy of the file is put in
// place; one already there with its size (from an earlier backup) is kept.
// It returns the seq of the last event the copy holds.
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
	var archives []Archive
	err = s.db.View(func(btx *bolt.Tx) error {
		if v := btx.Bucket(BucketMeta).Get(metaHead); len(v) >= 8 {
			seq = binary.BigEndian.Uint64(v)
		}
		// The archives the copy lists; their files never change.
		err := btx.Bucket(BucketArchives).ForEach(func(_, v []byte) error {
			var a Archive
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			archives = append(archives, a)
			return nil
		})
		if err != nil {
			return err
		}
		_, err = btx.WriteTo(f)
		return err
	})
	if err == nil {
		err = s.copyArchives(archives, filepath.Join(dir, ArchiveDir))
	}
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

// copyArchives copies the files of archives into dir, each through a
// temporary file, synced, and renamed.
func (s *Store) copyArchives(archives []Archive, dir string) error {
	if len(archives) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, a := range archives {
		dst := filepath.Join(dir, a.Name)
		if fi, err := os.Stat(dst); err == nil && fi.Size() == a.Size {
			continue
		}
		if err := copyArchiveFile(s.ArchivePath(a), dst); err != nil {
			return fmt.Errorf("archive %s: %w", a.Name, err)
		}
	}
	return syncDir(filepath.Join(dir, archives[0].Name))
}

// copyArchiveFile copies src to dst through dst.tmp, synced.
func copyArchiveFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // after the rename, there is nothing to remove
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

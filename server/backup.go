package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hallq/server/store"
)

// backupSocket is the Unix socket in the data directory through which
// `hallq-server backup` asks the running server for a copy of its store: the
// server holds the store's lock, so no other process can read it meanwhile.
// Like the data directory's files, it is open to their owner only.
const backupSocket = "hallq.sock"

// serveBackups answers backup requests on the data directory's socket until
// the returned function is called. A request is one line, the directory to
// write the copy to (absolute); the answer is "ok <last seq>" or
// "error <why>".
func serveBackups(dataDir string, st *store.Store, log *slog.Logger) (func(), error) {
	path := filepath.Join(dataDir, backupSocket)
	os.Remove(path) // left by a server that did not stop: this one holds the store's lock
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("backup socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("backup socket: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			answerBackup(c, st, log)
		}
	}()
	return func() { ln.Close(); <-done }, nil
}

// answerBackup serves one backup request on c.
func answerBackup(c net.Conn, st *store.Store, log *slog.Logger) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(c, 4096)).ReadString('\n')
	if err != nil {
		return
	}
	dir := strings.TrimSpace(line)
	if !filepath.IsAbs(dir) {
		fmt.Fprintf(c, "error the backup directory must be an absolute path, not %q\n", dir)
		return
	}
	start := time.Now()
	seq, err := st.Backup(dir)
	if err != nil {
		log.Error("backup", "dir", dir, "err", err)
		fmt.Fprintf(c, "error %v\n", err)
		return
	}
	log.Info("backup written", "dir", dir, "seq", seq, "took", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(c, "ok %d\n", seq)
}

// runBackup is `hallq-server backup [-data DIR] BACKUPDIR`: it writes a
// consistent copy of the hall's store to BACKUPDIR/hallq.db, through the
// running server when there is one, else from the files itself.
func runBackup(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hallq-server backup [-data DIR] BACKUPDIR")
		fs.PrintDefaults()
	}
	dataDir := fs.String("data", "./data", "the hall server's data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("backup: one backup directory expected")
	}
	dir, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	seq, err := backupThroughServer(*dataDir, dir)
	if errors.Is(err, errNoServer) {
		seq, err = backupFiles(*dataDir, dir)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup of the log up to event %d written to %s\n", seq, filepath.Join(dir, store.BackupName))
	return nil
}

// errNoServer says that no server answers on the data directory's socket.
var errNoServer = errors.New("no server running")

// backupThroughServer asks the running server for the copy.
func backupThroughServer(dataDir, dir string) (uint64, error) {
	c, err := net.Dial("unix", filepath.Join(dataDir, backupSocket))
	if err != nil {
		return 0, errNoServer
	}
	defer c.Close()
	if _, err := fmt.Fprintln(c, dir); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("backup: the server did not answer: %w", err)
	}
	var seq uint64
	if _, err := fmt.Sscanf(line, "ok %d", &seq); err != nil {
		return 0, fmt.Errorf("backup: %s", strings.TrimPrefix(strings.TrimSpace(line), "error "))
	}
	return seq, nil
}

// backupFiles copies the store of a stopped server; opening it replays its
// journal first, as a start would.
func backupFiles(dataDir, dir string) (uint64, error) {
	path := filepath.Join(dataDir, "hallq.db")
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	seq, err := st.Backup(dir)
	if cerr := st.Close(); err == nil && cerr != nil {
		return 0, fmt.Errorf("backup: %w", cerr)
	}
	return seq, err
}

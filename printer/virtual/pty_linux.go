package virtual

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// PTY is a pseudo-terminal the virtual printer listens on. A kiosk opens
// Path() as its serial port. The PTY keeps its own handle on that end open,
// so the writer may close and reopen it (a kiosk restart) without the
// printer seeing a hang-up.
type PTY struct {
	master *os.File
	slave  *os.File // held open so the master never reads EIO between writers
	path   string
	link   string
}

// OpenPTY creates a pseudo-terminal in raw mode (no echo, no line editing,
// no newline translation). If link is not empty, a symbolic link of that name
// points to it, replacing an old link.
func OpenPTY(link string) (*PTY, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("virtual: open pty: %w", err)
	}
	var n int
	err = control(master, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return fmt.Errorf("unlock: %w", err)
		}
		var err error
		n, err = unix.IoctlGetInt(fd, unix.TIOCGPTN)
		return err
	})
	if err != nil {
		master.Close()
		return nil, fmt.Errorf("virtual: open pty: %w", err)
	}
	path := fmt.Sprintf("/dev/pts/%d", n)
	slave, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, fmt.Errorf("virtual: open %s: %w", path, err)
	}
	if err := control(slave, makeRaw); err != nil {
		master.Close()
		slave.Close()
		return nil, fmt.Errorf("virtual: raw mode on %s: %w", path, err)
	}
	t := &PTY{master: master, slave: slave, path: path}
	if link != "" {
		_ = os.Remove(link)
		if err := os.Symlink(path, link); err != nil {
			t.Close()
			return nil, fmt.Errorf("virtual: link %s: %w", link, err)
		}
		t.link = link
	}
	return t, nil
}

// control runs f on the file's descriptor without making it blocking.
func control(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// makeRaw does what cfmakeraw(3) does.
func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// Path is the terminal device a kiosk opens, such as /dev/pts/3.
func (t *PTY) Path() string { return t.path }

// Link is the symbolic link to Path, if one was asked for.
func (t *PTY) Link() string { return t.link }

// Read reads what the writer sent.
func (t *PTY) Read(p []byte) (int, error) { return t.master.Read(p) }

// Write sends bytes (status replies) to the writer.
func (t *PTY) Write(p []byte) (int, error) { return t.master.Write(p) }

// Close closes the terminal and removes the link; a blocked Read returns.
func (t *PTY) Close() error {
	err := t.master.Close()
	t.slave.Close()
	if t.link != "" {
		os.Remove(t.link)
	}
	return err
}

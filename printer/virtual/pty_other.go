//go:build !linux

package virtual

import (
	"errors"
	"io"
)

// PTY is a pseudo-terminal the virtual printer listens on; only Linux has one here.
type PTY struct{ io.ReadWriteCloser }

// OpenPTY reports that pseudo-terminals need Linux; use TCP instead.
func OpenPTY(link string) (*PTY, error) {
	return nil, errors.New("virtual: pseudo-terminals need Linux; listen on TCP instead")
}

// Path is empty.
func (t *PTY) Path() string { return "" }

// Link is empty.
func (t *PTY) Link() string { return "" }

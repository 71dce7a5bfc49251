//go:build !linux

package main

import "os"

// isTerminal reports false where hiding input is not implemented; the password is
// then read as a plain line, for example from a pipe.
func isTerminal(*os.File) bool { return false }

func hideInput(*os.File) (func(), error) { return func() {}, nil }

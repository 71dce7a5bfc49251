//go:build !unix

package admit

func openFileLimit() int { return 0 }

// Command keygen makes a new secret key for a hall and writes it to a key file
// of mode 0600, for [keys] in hallq.toml: the identity key (HMAC of identity
// documents) and any other 32-byte key hallq keeps outside hallq.db.
//
//	hallq-keygen -out /etc/hallq/keys/identity.key
//	hallq-keygen -out - | systemd-creds encrypt --name=identity.key - /etc/credstore.encrypted/identity.key
//
// It never replaces an existing file: a hall's identity key, once in use, must
// stay the same, or the day's per-person counts are forgotten.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"hallq/server/keyfile"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hallq-keygen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hallq-keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", `key file to create (mode 0600); "-" writes the key to standard output`)
	size := fs.Int("size", 32, "key length in bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("-out FILE is required")
	}
	if *size < 16 || *size > 64 {
		return fmt.Errorf("-size %d: must be between 16 and 64", *size)
	}
	key := keyfile.New(*size)
	if *out == "-" {
		_, err := stdout.Write(keyfile.Encode(key))
		return err
	}
	if err := keyfile.Write(*out, key); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote a new %d-byte key to %s (mode 0600).\n"+
		"Keep a copy of it apart from the backups of hallq.db: never in the same backup unless that backup is encrypted.\n", *size, *out)
	return nil
}

package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"hallq/server/config"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// minPassword is the shortest staff password accepted, in characters.
const minPassword = 10

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hashpw", flag.ContinueOnError)
	fs.SetOutput(stderr)
	token := fs.Bool("token", false, "generate a random device token and print it with its SHA-256")
	cost := fs.Int("cost", bcrypt.DefaultCost, "bcrypt cost of the password hash")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: hashpw [-cost N] < password   prints password_hash for hallq.toml\n")
		fmt.Fprintf(stderr, "       hashpw -token                 prints a device token and its token_sha256\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "hashpw: the password is read from standard input, never from the command line (it would stay in the shell history)")
		return 2
	}
	if *token {
		t, sum := config.NewDeviceToken()
		fmt.Fprintf(stdout, "token = %q\n", t)
		fmt.Fprintf(stdout, "token_sha256 = %q\n", sum)
		fmt.Fprintln(stderr, "Give the token to the device (keep it secret); put the token_sha256 line in its [[devices]] entry.")
		return 0
	}
	if *cost < bcrypt.DefaultCost || *cost > bcrypt.MaxCost {
		fmt.Fprintf(stderr, "hashpw: -cost must be between %d and %d\n", bcrypt.DefaultCost, bcrypt.MaxCost)
		return 2
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "hashpw: %v\n", err)
		return 1
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), *cost)
	if err != nil {
		fmt.Fprintf(stderr, "hashpw: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, string(hash))
	return 0
}

// readPassword reads one line. On a terminal it prompts on w, hides the input and
// asks twice.
func readPassword(r io.Reader, w io.Writer) (string, error) {
	f, isFile := r.(*os.File)
	if isFile && isTerminal(f) {
		first, err := promptHidden(f, w, "Password: ")
		if err != nil {
			return "", err
		}
		if err := checkPassword(first); err != nil {
			return "", err
		}
		again, err := promptHidden(f, w, "Again: ")
		if err != nil {
			return "", err
		}
		if again != first {
			return "", errors.New("the passwords differ")
		}
		return first, nil
	}
	line, err := readLine(bufio.NewReader(r))
	if err != nil {
		return "", err
	}
	return line, checkPassword(line)
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", errors.New("no password on standard input")
		}
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func checkPassword(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < minPassword:
		return fmt.Errorf("a staff password needs at least %d characters", minPassword)
	case len(pw) > 72:
		return errors.New("bcrypt uses only the first 72 bytes of a password; choose a shorter one")
	}
	return nil
}

func promptHidden(f *os.File, w io.Writer, prompt string) (string, error) {
	fmt.Fprint(w, prompt)
	restore, err := hideInput(f)
	if err != nil {
		return "", fmt.Errorf("hide input: %w", err)
	}
	line, err := readLine(bufio.NewReader(f))
	restore()
	fmt.Fprintln(w)
	return line, err
}

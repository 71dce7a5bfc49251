// Hashpw makes the secrets that a hall's hallq.toml refers to without holding them.
//
// Without flags it reads a staff password from standard input (one line; asked
// twice, without echo, when standard input is a terminal) and prints its bcrypt
// hash for the staff member's password_hash:
//
//	go run ./server/config/cmd/hashpw
//	printf '%s\n' 'the password' | go run ./server/config/cmd/hashpw
//
// With -token it generates a random device token and prints the token, which is
// given to the kiosk or display, and its SHA-256, which goes in the device's
// token_sha256:
//
//	go run ./server/config/cmd/hashpw -token
package main

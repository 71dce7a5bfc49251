package main

import (
	"errors"
	"strings"
	"time"

	"hallq/server/queue"
)

// ResidentIDLen is the length of a resident ID number (GB 11643-1999).
const ResidentIDLen = 18

// Reasons a resident ID number is refused before it is sent.
var (
	errIDLength = errors.New("not 18 characters")
	errIDChars  = errors.New("only digits, and X last")
	errIDBirth  = errors.New("no such date of birth")
	errIDCheck  = errors.New("check digit does not match")
)

// checkResidentID checks a resident ID number typed on the keypad: 17 digits,
// a real date of birth not after today, and the check digit (a digit or X)
// computed from the others.
func checkResidentID(id string, today time.Time) error {
	if len(id) != ResidentIDLen {
		return errIDLength
	}
	check, ok := queue.ResidentCheckChar(id[:17])
	if !ok {
		return errIDChars
	}
	last := id[17]
	if (last < '0' || last > '9') && last != 'X' {
		return errIDChars
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil || birth.Year() < 1900 || birth.After(today) {
		return errIDBirth
	}
	if check != last {
		return errIDCheck
	}
	return nil
}

// maskID returns what the screen shows of a resident ID number being typed:
// every character hidden (as *) but the last one typed, in groups of 6 (region),
// 8 (date of birth) and 4, so the applicant can follow their typing while a
// bystander learns nothing.
func maskID(id string) string {
	var b strings.Builder
	for i := range len(id) {
		if i == 6 || i == 14 {
			b.WriteByte(' ')
		}
		if i == len(id)-1 {
			b.WriteByte(id[i])
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

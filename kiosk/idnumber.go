package main

import (
	"errors"
	"strings"
	"time"
)

// ResidentIDLen is the length of a resident ID number (GB 11643-1999).
const ResidentIDLen = 18

// idWeights are the weights of the first 17 characters for the check digit.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum modulo 11 to the check character.
const idCheckChars = "10X98765432"

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
	sum := 0
	for i := range 17 {
		c := id[i]
		if c < '0' || c > '9' {
			return errIDChars
		}
		sum += int(c-'0') * idWeights[i]
	}
	last := id[17]
	if (last < '0' || last > '9') && last != 'X' {
		return errIDChars
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil || birth.Year() < 1900 || birth.After(today) {
		return errIDBirth
	}
	if idCheckChars[sum%11] != last {
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

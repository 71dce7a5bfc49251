package queue

import "time"

// The age rule, as published: a hall may give a priority class a minimum age
// (PriorityClass.MinAge). A ticket issued with a resident ID number whose
// date of birth makes the holder at least that old on the service day gets
// that class, or the better class it asked for. Only the class is recorded;
// the date of birth is read from the number as it is checked and kept
// nowhere. Someone born on 29 February reaches an age on 1 March in years
// without a 29 February.

// BirthDate returns the date of birth, as "YYYYMMDD", that a canonical
// document number (NormalizeDocument's result) carries: digits 7 to 14 of a
// resident ID number. It returns "" for any other document, and for a number
// whose digits there are no calendar date.
func BirthDate(canonical string) string {
	const prefix = DocResident + ":"
	if len(canonical) != len(prefix)+18 || canonical[:len(prefix)] != prefix {
		return ""
	}
	b := canonical[len(prefix)+6 : len(prefix)+14]
	if _, ok := parseYMD(b); !ok {
		return ""
	}
	return b
}

// parseYMD reads a "YYYYMMDD" date, and false when it is none.
func parseYMD(s string) (time.Time, bool) {
	if len(s) != 8 {
		return time.Time{}, false
	}
	n := 0
	for i := range 8 {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, false
		}
		n = n*10 + int(s[i]-'0')
	}
	y, m, d := n/10000, n/100%100, n%100
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < 1800 || t.Month() != time.Month(m) || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// AgeOn returns the age in full years, on a service day ("2006-01-02"), of
// someone born on birth ("YYYYMMDD"); false when either is no date or the
// day comes before the birth.
func AgeOn(birth, day string) (int, bool) {
	b, ok := parseYMD(birth)
	if !ok || len(day) != 10 || day[4] != '-' || day[7] != '-' {
		return 0, false
	}
	d, ok := parseYMD(day[:4] + day[5:7] + day[8:])
	if !ok || d.Before(b) {
		return 0, false
	}
	age := d.Year() - b.Year()
	if d.Month() < b.Month() || d.Month() == b.Month() && d.Day() < b.Day() {
		age--
	}
	return age, true
}

// AgeClass returns the priority class the age rule gives someone born on
// birth ("YYYYMMDD") on a service day: the first class, in the order classes
// are served, whose minimum age they have reached; "" for none.
func (h *Hall) AgeClass(birth, day string) string {
	if birth == "" {
		return ""
	}
	age, ok := AgeOn(birth, day)
	if !ok {
		return ""
	}
	for _, c := range h.PriorityClasses {
		if c.MinAge > 0 && age >= c.MinAge {
			return c.ID
		}
	}
	return ""
}

// withAgeClass returns the class a ticket gets: the class asked for, or the
// class of the age rule when that one is served first.
func (h *Hall) withAgeClass(asked, birth, day string) string {
	c := h.AgeClass(birth, day)
	if c == "" {
		return asked
	}
	ra, _ := h.PriorityRank(asked)
	if rc, _ := h.PriorityRank(c); rc < ra {
		return c
	}
	return asked
}

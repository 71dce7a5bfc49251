package queue

import (
	"time"
)

// Calendar says which days are working days: Monday to Friday, except the
// public holidays, plus the make-up working days (调休上班) that fall on a
// weekend. Days are "YYYY-MM-DD" in the hall's time zone.
type Calendar struct {
	Holidays map[string]bool
	Workdays map[string]bool // make-up working days on a Saturday or Sunday
}

// IsWorkday reports whether day ("YYYY-MM-DD") is a working day. A malformed
// day is not one.
func (c Calendar) IsWorkday(day string) bool {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return false
	}
	if c.Workdays[day] {
		return true
	}
	if c.Holidays[day] {
		return false
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays returns the n-th working day after day: the day itself does not
// count, so a case opened on a Friday with n = 1 is due the next Monday (or the
// next working day after it). n < 1 returns day itself.
func (c Calendar) AddWorkdays(day string, n int) (string, error) {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return "", Errorf(EINVALID, "day %q is not YYYY-MM-DD", day)
	}
	// A calendar cannot hold a year without working days unless it is
	// misconfigured; stop after ten years of looking.
	for i := 0; n > 0 && i < 3660; i++ {
		t = t.AddDate(0, 0, 1)
		if c.IsWorkday(t.Format(time.DateOnly)) {
			n--
		}
	}
	if n > 0 {
		return "", Errorf(EINVALID, "the working-day calendar has no working days after %s", day)
	}
	return t.Format(time.DateOnly), nil
}

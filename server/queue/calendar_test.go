package queue

import (
	"testing"
	"time"
)

func TestAddWorkdays(t *testing.T) {
	// The 2026 National Day holiday as the State Council set it: 1-8 October
	// off, Sunday 27 September and Saturday 10 October worked instead.
	national := Calendar{
		Holidays: map[string]bool{"2026-10-01": true, "2026-10-02": true, "2026-10-03": true, "2026-10-04": true,
			"2026-10-05": true, "2026-10-06": true, "2026-10-07": true, "2026-10-08": true},
		Workdays: map[string]bool{"2026-09-27": true, "2026-10-10": true},
	}
	tests := []struct {
		name string
		cal  Calendar
		day  string
		n    int
		want string
	}{
		{"weekdays only", Calendar{}, "2026-12-01", 3, "2026-12-04"},          // Tue -> Fri
		{"skips a weekend", Calendar{}, "2026-12-04", 1, "2026-12-07"},        // Fri -> Mon
		{"opened on a Saturday", Calendar{}, "2026-12-05", 1, "2026-12-07"},   // Sat -> Mon
		{"fifteen working days", Calendar{}, "2026-12-01", 15, "2026-12-22"},  // three weeks
		{"zero is the day itself", Calendar{}, "2026-12-05", 0, "2026-12-05"}, //
		{"holiday skipped", Calendar{Holidays: map[string]bool{"2026-12-07": true}}, "2026-12-04", 1, "2026-12-08"},
		{"make-up Sunday counts", national, "2026-09-26", 1, "2026-09-27"},        // Sat -> the make-up Sunday
		{"through the holiday week", national, "2026-09-30", 1, "2026-10-09"},     // Wed -> Fri after the holiday
		{"make-up Saturday after", national, "2026-10-09", 1, "2026-10-10"},       // Fri -> the make-up Saturday
		{"fifteen across National Day", national, "2026-09-25", 15, "2026-10-22"}, //
		{"a holiday on a weekday of a make-up week", national, "2026-10-07", 2, "2026-10-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cal.AddWorkdays(tt.day, tt.n)
			if err != nil || got != tt.want {
				t.Errorf("AddWorkdays(%s, %d) = %q, %v; want %q", tt.day, tt.n, got, err, tt.want)
			}
		})
	}
	if _, err := (Calendar{}).AddWorkdays("2026-13-01", 1); ErrorCode(err) != EINVALID {
		t.Errorf("a malformed day: got %v, want EINVALID", err)
	}
	all := Calendar{Holidays: map[string]bool{}}
	for d := range 4000 {
		all.Holidays[mustAddDays("2026-01-01", d)] = true
	}
	if _, err := all.AddWorkdays("2026-01-01", 1); ErrorCode(err) != EINVALID {
		t.Errorf("a calendar without working days: got %v, want EINVALID", err)
	}
}

func mustAddDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

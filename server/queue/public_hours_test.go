package queue

import (
	"reflect"
	"testing"
	"time"
)

func TestPublishedOpeningHours(t *testing.T) {
	tests := []struct {
		hours string
		want  []OpenHours
		fails bool
	}{
		{hours: "", want: []OpenHours{{"00:00", "24:00"}}},
		{hours: "00:00-24:00", want: []OpenHours{{"00:00", "24:00"}}},
		{hours: "08:30-12:00, 13:30-17:00", want: []OpenHours{{"08:30", "12:00"}, {"13:30", "17:00"}}},
		{hours: "20:00-26:00", want: []OpenHours{{"20:00", "26:00"}}},
		{hours: "8:30-12:00", fails: true},
		{hours: "08:30", fails: true},
	}
	for _, tt := range tests {
		p := PublicHall{Hours: tt.hours}
		got, err := p.OpeningHours()
		if (err != nil) != tt.fails {
			t.Errorf("%q: err %v, want failure %v", tt.hours, err, tt.fails)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: %+v, want %+v", tt.hours, got, tt.want)
		}
	}
}

// The intervals are the hall's own: a configured hall's published hours come
// back as the intervals it was configured with.
func TestPublishedOpeningHoursOfAHall(t *testing.T) {
	h := &Hall{Hours: []Hours{{Open: 8*time.Hour + 30*time.Minute, Close: 12 * time.Hour}, {Open: 13 * time.Hour, Close: 17*time.Hour + 30*time.Minute}}}
	p := PublicHall{Hours: h.HoursText()}
	got, err := p.OpeningHours()
	if err != nil {
		t.Fatal(err)
	}
	want := []OpenHours{{"08:30", "12:00"}, {"13:00", "17:30"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
}

package queue

import (
	"reflect"
	"testing"
	"time"
)

// TestTicketBinaryRoundTrip fills every field of a Ticket, so that a field
// added to Ticket and forgotten by AppendBinary fails here.
func TestTicketBinaryRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 30, 1, 123000000, time.UTC)
	var full Ticket
	v := reflect.ValueOf(&full).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(v.Type().Field(i).Name + "·值")
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int:
			f.SetInt(int64(-3 - i))
		case reflect.Uint64:
			f.SetUint(uint64(1<<40 + i))
		case reflect.Struct:
			if f.Type() != reflect.TypeFor[time.Time]() {
				t.Fatalf("field %s of type %s: teach AppendBinary", v.Type().Field(i).Name, f.Type())
			}
			f.Set(reflect.ValueOf(at.Add(time.Duration(i) * time.Minute)))
		default:
			t.Fatalf("field %s of kind %s: teach AppendBinary", v.Type().Field(i).Name, f.Kind())
		}
	}
	for _, tc := range []struct {
		name string
		in   Ticket
	}{
		{"every field set", full},
		{"zero", Ticket{}},
		{"waiting", Ticket{ID: "20261123-A0001", Number: "A0001", Service: "general", Status: StatusWaiting, IssuedAt: at, OrderAt: at, IssueSeq: 7, OrderSeq: 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := tc.in.AppendBinary([]byte("x"))
			got, rest, err := DecodeTicket(append(b[1:], 'y'))
			if err != nil {
				t.Fatal(err)
			}
			if string(rest) != "y" {
				t.Errorf("rest %q, want %q", rest, "y")
			}
			if !reflect.DeepEqual(*got, tc.in) {
				t.Errorf("got %+v\nwant %+v", *got, tc.in)
			}
			for n := range len(b) - 1 {
				if _, _, err := DecodeTicket(b[1 : 1+n]); err == nil {
					t.Fatalf("decoding the first %d of %d bytes: no error", n, len(b)-1)
				}
			}
		})
	}
}

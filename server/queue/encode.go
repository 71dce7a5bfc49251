package queue

import (
	"time"
	"unicode/utf8"
)

// AppendJSON appends the data of a ticket.issued event, byte for byte what
// encoding/json makes of it, without reflection: it is the most frequent event,
// and issuing a ticket is hallq's hottest path.
func (d *TicketIssuedData) AppendJSON(b []byte) []byte {
	b = append(b, `{"ticket":`...)
	b = AppendJSONString(b, d.Ticket)
	b = append(b, `,"number":`...)
	b = AppendJSONString(b, d.Number)
	b = append(b, `,"service":`...)
	b = AppendJSONString(b, d.Service)
	b = append(b, `,"day":`...)
	b = AppendJSONString(b, d.Day)
	if d.Priority != "" {
		b = append(b, `,"priority":`...)
		b = AppendJSONString(b, d.Priority)
	}
	if d.Kiosk != "" {
		b = append(b, `,"kiosk":`...)
		b = AppendJSONString(b, d.Kiosk)
	}
	if d.Desk != "" {
		b = append(b, `,"desk":`...)
		b = AppendJSONString(b, d.Desk)
	}
	if d.ByAge {
		b = append(b, `,"by_age":true`...)
	}
	b = append(b, `,"issued_at":"`...)
	b = d.IssuedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if d.Lease != "" {
		b = append(b, `,"lease":`...)
		b = AppendJSONString(b, d.Lease)
	}
	if d.Appointment != "" {
		b = append(b, `,"appointment":`...)
		b = AppendJSONString(b, d.Appointment)
	}
	if !d.ClaimedAt.IsZero() {
		b = append(b, `,"claimed_at":"`...)
		b = d.ClaimedAt.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if d.Clamped != "" {
		b = append(b, `,"clamped":`...)
		b = AppendJSONString(b, d.Clamped)
	}
	if !d.SeenAt.IsZero() {
		b = append(b, `,"seen_at":"`...)
		b = d.SeenAt.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string escaped as encoding/json escapes it:
// quote, backslash and control characters; <, > and & for HTML; U+2028 and
// U+2029 for JavaScript; invalid UTF-8 as U+FFFD.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

package engine

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeIdemGroup reads the value of an idempotency record group: an array
// of records, or one record as files written before groups hold. The form
// appendJSON writes, `{"key":…,"ticket":…,"service":…[,"identity":…]}`, is
// read without reflection, as a busy day's start reads hundreds of thousands
// of them; anything else goes to encoding/json. intern shares the service
// names between records.
func decodeIdemGroup(v []byte, intern map[string]string) ([]idemRecord, error) {
	if recs, ok := scanIdemGroup(v, intern); ok {
		return recs, nil
	}
	if len(v) > 0 && v[0] == '[' {
		var recs []idemRecord
		err := json.Unmarshal(v, &recs)
		return recs, err
	}
	recs := make([]idemRecord, 1)
	return recs, json.Unmarshal(v, &recs[0])
}

// scanIdemGroup reads v as appendJSON and the group writer write it; ok is
// false for anything else.
func scanIdemGroup(v []byte, intern map[string]string) (recs []idemRecord, ok bool) {
	s := idemScanner{b: v}
	if s.lit("[") {
		for {
			rec, ok := s.record(intern)
			if !ok {
				return nil, false
			}
			recs = append(recs, rec)
			if s.lit("]") {
				return recs, s.i == len(s.b)
			}
			if !s.lit(",") {
				return nil, false
			}
		}
	}
	rec, ok := s.record(intern)
	return []idemRecord{rec}, ok && s.i == len(s.b)
}

type idemScanner struct {
	b []byte
	i int
}

// lit consumes l if it comes next.
func (s *idemScanner) lit(l string) bool {
	if len(s.b)-s.i < len(l) || string(s.b[s.i:s.i+len(l)]) != l {
		return false
	}
	s.i += len(l)
	return true
}

func (s *idemScanner) record(intern map[string]string) (rec idemRecord, ok bool) {
	if !s.lit(`{"key":`) {
		return rec, false
	}
	if rec.Key, ok = s.str(nil); !ok || !s.lit(`,"ticket":`) {
		return rec, false
	}
	if rec.Ticket, ok = s.str(nil); !ok || !s.lit(`,"service":`) {
		return rec, false
	}
	if rec.Service, ok = s.str(intern); !ok {
		return rec, false
	}
	if s.lit(`,"identity":`) {
		if rec.Identity, ok = s.str(nil); !ok {
			return rec, false
		}
	}
	return rec, s.lit("}")
}

// str reads a JSON string: plain bytes, or the escapes AppendJSONString
// writes (and \/, \uXXXX outside the surrogates).
func (s *idemScanner) str(intern map[string]string) (string, bool) {
	if !s.lit(`"`) {
		return "", false
	}
	start := s.i
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			raw := s.b[start:j]
			s.i = j + 1
			if !utf8.Valid(raw) {
				return "", false
			}
			if intern != nil {
				if v, ok := intern[string(raw)]; ok {
					return v, true
				}
				v := string(raw)
				intern[v] = v
				return v, true
			}
			return string(raw), true
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

// escaped reads a string that holds escapes, from its first byte at start.
func (s *idemScanner) escaped(start int) (string, bool) {
	out := make([]byte, 0, 64)
	for j := start; j < len(s.b); {
		c := s.b[j]
		switch {
		case c == '"':
			s.i = j + 1
			return string(out), utf8.Valid(out)
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			j++
			continue
		}
		if j+1 >= len(s.b) {
			return "", false
		}
		switch e := s.b[j+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if j+6 > len(s.b) {
				return "", false
			}
			n, err := strconv.ParseUint(string(s.b[j+2:j+6]), 16, 16)
			if err != nil || utf16.IsSurrogate(rune(n)) {
				return "", false
			}
			out = utf8.AppendRune(out, rune(n))
			j += 6
			continue
		default:
			return "", false
		}
		j += 2
	}
	return "", false
}

package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// keyLine is where a key or table header is written in a TOML document.
type keyLine struct {
	key  toml.Key // the key without array indices, as toml.MetaData names it
	path string   // the same key with indices of arrays: "windows[1].card.name"
	line int      // 1-based
}

// keyIndex maps the fields named in error messages to the lines that define them.
type keyIndex struct {
	list   []keyLine
	byPath map[string]int
}

// line returns the line of the field, or of its nearest enclosing key or table
// when the field itself is not written (a default, an array element); 0 if none.
func (x *keyIndex) line(field string) int {
	if x == nil {
		return 0
	}
	for field != "" {
		if n, ok := x.byPath[field]; ok {
			return n
		}
		field = parentPath(field)
	}
	return 0
}

// parentPath strips the last ".key" or "[n]" of an indexed path.
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// indexKeys finds every key and table header of a TOML document that the toml
// package has already parsed without error. It reads just enough of the syntax to
// follow tables, arrays of tables, inline tables and multi-line values; on input it
// does not understand it stops and returns what it found, so a line number may be
// missing but is never wrong.
func indexKeys(src string) *keyIndex {
	s := &keyScanner{src: src, line: 1, arrays: map[string]int{}}
	s.document()
	x := &keyIndex{list: s.out, byPath: make(map[string]int, len(s.out))}
	for _, k := range s.out {
		if _, dup := x.byPath[k.path]; !dup {
			x.byPath[k.path] = k.line
		}
	}
	return x
}

type keyScanner struct {
	src  string
	i    int
	line int

	table     []string       // key of the current table, without indices
	tablePath string         // the same with indices
	arrays    map[string]int // indexed path of each array of tables → elements so far
	out       []keyLine
}

func (s *keyScanner) eof() bool { return s.i >= len(s.src) }

func (s *keyScanner) peek() byte {
	if s.eof() {
		return 0
	}
	return s.src[s.i]
}

func (s *keyScanner) advance() {
	if s.src[s.i] == '\n' {
		s.line++
	}
	s.i++
}

func (s *keyScanner) has(prefix string) bool { return strings.HasPrefix(s.src[s.i:], prefix) }

// skipSpace skips blanks, and also newlines and comments when multiline is set.
func (s *keyScanner) skipSpace(multiline bool) {
	for !s.eof() {
		switch c := s.peek(); {
		case c == ' ' || c == '\t' || c == '\r':
			s.advance()
		case multiline && c == '\n':
			s.advance()
		case multiline && c == '#':
			s.skipLine()
		default:
			return
		}
	}
}

// skipLine moves to the newline ending the current line, without consuming it.
func (s *keyScanner) skipLine() {
	for !s.eof() && s.peek() != '\n' {
		s.i++
	}
}

func (s *keyScanner) record(key []string, path string, line int) {
	s.out = append(s.out, keyLine{key: toml.Key(key), path: path, line: line})
}

func (s *keyScanner) document() {
	for {
		s.skipSpace(true)
		if s.eof() {
			return
		}
		start := s.i
		if s.peek() == '[' {
			s.header()
		} else {
			s.keyValue(s.table, s.tablePath)
			s.skipSpace(false)
			if s.peek() == '#' {
				s.skipLine()
			}
		}
		if s.i == start || (!s.eof() && s.peek() != '\n') {
			return // not understood; give up rather than guess
		}
	}
}

// header reads "[a.b]" or "[[a.b]]" and makes it the current table.
func (s *keyScanner) header() {
	line := s.line
	array := s.has("[[")
	if array {
		s.i += 2
	} else {
		s.i++
	}
	key, ok := s.key()
	if !ok {
		return
	}
	closing := "]"
	if array {
		closing = "]]"
	}
	if !s.has(closing) {
		return
	}
	s.i += len(closing)
	path := ""
	for j, seg := range key {
		path = joinPath(path, seg)
		if n := s.arrays[path]; n > 0 && (j < len(key)-1 || !array) {
			path += fmt.Sprintf("[%d]", n-1)
		}
	}
	if array {
		n := s.arrays[path]
		s.arrays[path] = n + 1
		path += fmt.Sprintf("[%d]", n)
	}
	s.table, s.tablePath = key, path
	s.record(key, path, line)
	s.skipSpace(false)
	if s.peek() == '#' {
		s.skipLine()
	}
}

// keyValue reads "key = value" inside the table (key, path).
func (s *keyScanner) keyValue(table []string, tablePath string) {
	line := s.line
	rel, ok := s.key()
	if !ok || s.peek() != '=' {
		return
	}
	s.i++
	key := append(append([]string(nil), table...), rel...)
	path := tablePath
	for _, seg := range rel {
		path = joinPath(path, seg)
	}
	s.record(key, path, line)
	s.skipSpace(false)
	s.value(key, path)
}

// key reads a dotted key and the blanks after it.
func (s *keyScanner) key() ([]string, bool) {
	var segs []string
	for {
		s.skipSpace(false)
		var seg string
		switch c := s.peek(); {
		case c == '"':
			raw, ok := s.basicString()
			if !ok {
				return nil, false
			}
			seg = raw
			if u, err := strconv.Unquote(raw); err == nil {
				seg = u
			} else {
				seg = raw[1 : len(raw)-1]
			}
		case c == '\'':
			start := s.i
			if !s.literalString() {
				return nil, false
			}
			seg = s.src[start+1 : s.i-1]
		case isBare(c):
			start := s.i
			for !s.eof() && isBare(s.peek()) {
				s.i++
			}
			seg = s.src[start:s.i]
		default:
			return nil, false
		}
		segs = append(segs, seg)
		s.skipSpace(false)
		if s.peek() != '.' {
			return segs, true
		}
		s.i++
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// joinPath appends a key segment to an indexed path, quoting it as toml.Key does.
func joinPath(path, seg string) string {
	q := toml.Key{seg}.String()
	if path == "" {
		return q
	}
	return path + "." + q
}

// value skips one value, recording the keys of inline tables in it.
func (s *keyScanner) value(key []string, path string) {
	switch {
	case s.has(`"""`):
		s.multiline(`"""`, true)
	case s.has(`'''`):
		s.multiline(`'''`, false)
	case s.peek() == '"':
		s.basicString()
	case s.peek() == '\'':
		s.literalString()
	case s.peek() == '[':
		s.i++
		for n := 0; ; n++ {
			s.skipSpace(true)
			if s.eof() || s.peek() == ']' {
				break
			}
			start := s.i
			s.value(key, fmt.Sprintf("%s[%d]", path, n))
			s.skipSpace(true)
			if s.peek() == ',' {
				s.i++
			} else if s.i == start || s.peek() != ']' {
				s.i = len(s.src) // not understood
				return
			}
		}
		if !s.eof() {
			s.i++
		}
	case s.peek() == '{':
		s.i++
		for {
			s.skipSpace(true)
			if s.eof() || s.peek() == '}' {
				break
			}
			start := s.i
			s.keyValue(key, path)
			s.skipSpace(true)
			if s.peek() == ',' {
				s.i++
			} else if s.i == start || s.peek() != '}' {
				s.i = len(s.src)
				return
			}
		}
		if !s.eof() {
			s.i++
		}
	default: // number, boolean, date or time
		for !s.eof() && !strings.ContainsRune(" \t\r\n,]}#", rune(s.peek())) {
			s.i++
		}
		// A date and time may be separated by a blank.
		if s.has(" ") && s.i+1 < len(s.src) && s.src[s.i+1] >= '0' && s.src[s.i+1] <= '9' {
			s.i++
			for !s.eof() && !strings.ContainsRune(" \t\r\n,]}#", rune(s.peek())) {
				s.i++
			}
		}
	}
}

// basicString reads a one-line "…" string and returns it with its quotes.
func (s *keyScanner) basicString() (string, bool) {
	start := s.i
	s.i++
	for !s.eof() {
		switch s.peek() {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return s.src[start:s.i], true
		case '\n':
			return "", false
		default:
			s.i++
		}
	}
	return "", false
}

// literalString reads a one-line '…' string.
func (s *keyScanner) literalString() bool {
	s.i++
	for !s.eof() {
		switch s.peek() {
		case '\'':
			s.i++
			return true
		case '\n':
			return false
		}
		s.i++
	}
	return false
}

// multiline reads a """…""" or ”'…”' string, which may end in up to two more quotes.
func (s *keyScanner) multiline(delim string, escapes bool) {
	s.i += len(delim)
	for !s.eof() {
		if escapes && s.peek() == '\\' {
			s.advance()
			if !s.eof() {
				s.advance()
			}
			continue
		}
		if s.has(delim) {
			s.i += len(delim)
			for range 2 {
				if s.peek() == delim[0] {
					s.i++
				}
			}
			return
		}
		s.advance()
	}
}

package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Error is one problem found in a configuration file. Parse and Load return one or
// more of them (joined with errors.Join), sorted by line.
type Error struct {
	File  string // the file name given to Parse or Load
	Field string // the offending field, for example "windows[2].secondary[0]"; empty for a syntax error
	Line  int    // 1-based line in the file; 0 when unknown
	Msg   string // what is wrong, for the administrator
}

// Error formats e as
//
//	config hallq.toml: windows[2].secondary[0]: unknown service "tax2" (line 41)
//	config hallq.toml: line 7: expected a top-level item to end with a newline …
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("config ")
	b.WriteString(e.File)
	b.WriteString(": ")
	switch {
	case e.Field != "":
		b.WriteString(e.Field)
		b.WriteString(": ")
		b.WriteString(e.Msg)
		if e.Line > 0 {
			fmt.Fprintf(&b, " (line %d)", e.Line)
		}
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: %s", e.Line, e.Msg)
	default:
		b.WriteString(e.Msg)
	}
	return b.String()
}

// Errors returns the *Error values in err, which Parse and Load may have joined.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		var e *Error
		switch x := err.(type) {
		case nil:
		case interface{ Unwrap() []error }:
			for _, err := range x.Unwrap() {
				walk(err)
			}
		default:
			if errors.As(err, &e) {
				out = append(out, e)
			}
		}
	}
	walk(err)
	return out
}

// maxErrors is how many problems are reported at once; the rest are counted.
const maxErrors = 25

// typeErrorRE matches the errors of the toml package that carry no position of
// their own: `toml: line 12 (last key "services.digits"): incompatible types: …`.
var typeErrorRE = regexp.MustCompile(`^toml: (?:line \d+ )?\(last key ("(?:[^"\\]|\\.)*")\): (.*)$`)

// incompatibleRE matches the toml package's description of a type mismatch.
var incompatibleRE = regexp.MustCompile(`^incompatible types: TOML value has type (.*); destination has type (.*)$`)

// mismatchRE matches the toml package's description of a value where a table belongs.
var mismatchRE = regexp.MustCompile(`^type mismatch for .*: expected table but found (.*)$`)

// decodeError turns an error of the toml package, met while decoding the table
// written under prefix (unindexed, as the toml package names it) at field
// (indexed), into an *Error naming the field and its line.
func (p *parser) decodeError(err error, prefix, field string) *Error {
	e := &Error{File: p.name, Field: field, Msg: err.Error()}
	lastKey := ""
	var pe toml.ParseError
	if errors.As(err, &pe) {
		e.Msg, e.Line, lastKey = pe.Message, pe.Position.Line, pe.LastKey
	} else if m := typeErrorRE.FindStringSubmatch(err.Error()); m != nil {
		lastKey, _ = strconv.Unquote(m[1])
		e.Msg = m[2]
	}
	if prefix == "" {
		e.Field = lastKey
	} else if rest, ok := strings.CutPrefix(lastKey, prefix); ok && (rest == "" || rest[0] == '.') {
		e.Field = field + rest
	}
	if m := incompatibleRE.FindStringSubmatch(e.Msg); m != nil {
		e.Msg = fmt.Sprintf("must be %s, not %s", tomlTypeName(m[2]), tomlTypeName(m[1]))
	} else if m := mismatchRE.FindStringSubmatch(e.Msg); m != nil {
		e.Msg = fmt.Sprintf("must be a table, not %s", tomlTypeName(m[1]))
	}
	// The toml package knows one line per unindexed key; ours knows the element's.
	if n := p.lines.line(e.Field); n > 0 {
		e.Line = n
	}
	return e
}

// tomlTypeName names, for people, a type as the toml package reports it: either a
// destination ("integer") or the Go type of a TOML value ("int64").
func tomlTypeName(t string) string {
	switch t {
	case "string":
		return "a string"
	case "int64", "integer":
		return "an integer"
	case "float64", "float":
		return "a number"
	case "bool", "boolean":
		return "true or false"
	case "[]any", "slice":
		return "a list"
	case "map[string]any", "map":
		return "a table"
	case "[]map[string]any":
		return "a list of tables"
	case "time.Time":
		return "a date or time"
	case "primitive (string-like)":
		return "a single value"
	}
	return t
}

// unknownKeys reports the keys of the file that no field decoded: misspelt or
// misplaced keys, which would otherwise be silently ignored. Only the outermost
// unknown key is reported, with a suggestion where one is near.
func (p *parser) unknownKeys(md toml.MetaData) []*Error {
	undecoded := map[string]bool{}
	var order []toml.Key
	for _, k := range md.Undecoded() {
		undecoded[k.String()] = true
		order = append(order, k)
	}
	outermost := func(k toml.Key) bool {
		for n := 1; n < len(k); n++ {
			if undecoded[k[:n].String()] {
				return false
			}
		}
		return true
	}
	var errs []*Error
	reported := map[string]bool{}
	for _, kl := range p.lines.list {
		k := kl.key.String()
		if !undecoded[k] || reported[kl.path] {
			continue
		}
		reported[kl.path], reported[k] = true, true
		if outermost(kl.key) {
			errs = append(errs, &Error{File: p.name, Field: kl.path, Line: kl.line, Msg: unknownMsg(kl.key)})
		}
	}
	// Keys the scanner did not find (it gives up on input it does not understand).
	for _, k := range order {
		if !reported[k.String()] && outermost(k) {
			errs = append(errs, &Error{File: p.name, Field: k.String(), Msg: unknownMsg(k)})
		}
	}
	return errs
}

func unknownMsg(k toml.Key) string {
	if s := suggest(k); s != "" {
		return fmt.Sprintf("unknown key %q; did you mean %q?", k[len(k)-1], s)
	}
	if len(k) == 1 {
		return fmt.Sprintf("unknown key %q; the sections are %s", k[0], strings.Join(knownKeys[""], ", "))
	}
	return fmt.Sprintf("unknown key %q", k[len(k)-1])
}

// knownKeys lists the keys allowed in each table, by the table's unindexed key.
var knownKeys = map[string][]string{
	"":                 tomlKeys(file{}),
	"hall":             tomlKeys(fileHall{}),
	"services":         tomlKeys(fileService{}),
	"windows":          tomlKeys(fileWindow{}),
	"windows.card":     tomlKeys(fileCard{}),
	"staff":            tomlKeys(fileStaff{}),
	"devices":          tomlKeys(fileDevice{}),
	"priority_classes": tomlKeys(filePriority{}),
	"manual_reasons":   tomlKeys(fileReason{}),
	"rules":            tomlKeys(fileRules{}),
	"notices":          tomlKeys(fileNotice{}),
	"keys":             tomlKeys(fileKeys{}),
	"server":           tomlKeys(fileServer{}),
	"federation":       tomlKeys(fileFederation{}),
	"notify":           tomlKeys(fileNotify{}),
	"limits":           tomlKeys(fileLimits{}),
}

func tomlKeys(v any) []string {
	t := reflect.TypeOf(v)
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ","); tag != "" {
			keys = append(keys, tag)
		}
	}
	return keys
}

// suggest returns the allowed key closest to the last part of k, if it is close.
func suggest(k toml.Key) string {
	known := knownKeys[k[:len(k)-1].String()]
	word := k[len(k)-1]
	best, bestDist := "", len(word)/3+1
	if bestDist > 3 {
		bestDist = 3
	}
	for _, cand := range known {
		if d := editDistance(strings.ToLower(word), cand); d <= bestDist && (best == "" || d < editDistance(strings.ToLower(word), best)) {
			best = cand
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

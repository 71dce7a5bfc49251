package config

import (
	"maps"
	"slices"
	"testing"
)

func TestIndexKeys(t *testing.T) {
	rows := []struct {
		name string
		doc  string
		want map[string]int // indexed path → line; only these are checked
	}{
		{
			name: "tables and arrays of tables",
			doc: `[hall]
id = "h"
[[windows]]
id = "1"
[windows.card]
name = "a"
[[windows]]
id = "2"
[windows.card]
name = "b"
`,
			want: map[string]int{"hall": 1, "hall.id": 2, "windows[0]": 3, "windows[0].id": 4, "windows[0].card": 5,
				"windows[0].card.name": 6, "windows[1]": 7, "windows[1].id": 8, "windows[1].card.name": 10},
		},
		{
			name: "multi-line strings hide look-alike keys",
			doc: `[[notices]]
text_zh = """
[fake]
key = 1
"""
text_en = '''
a = b '''
[[notices]]
text_zh = "x"
`,
			want: map[string]int{"notices[0].text_zh": 2, "notices[0].text_en": 6, "notices[1]": 8, "notices[1].text_zh": 9},
		},
		{
			name: "multi-line arrays with comments and brackets in strings",
			doc: `[hall]
hours = [
  "08:30-12:00", # morning ]
  "13:30-17:30",
]
time_zone = "Asia/Shanghai"
`,
			want: map[string]int{"hall.hours": 2, "hall.time_zone": 6},
		},
		{
			name: "inline tables, dotted and quoted keys",
			doc: `[[windows]]
card = { name = "王芳", "unit" = "中心" }
card.title = "x"
"odd key" = 1
[[windows]]
'lit' = 2
`,
			want: map[string]int{"windows[0].card": 2, "windows[0].card.name": 2, "windows[0].card.unit": 2,
				"windows[0].card.title": 3, `windows[0]."odd key"`: 4, "windows[1].lit": 6},
		},
		{
			name: "escaped quotes, dates and comments",
			doc: `# comment = 1
a = "say \"b = 2\""  # c = 3
d = 1979-05-27 07:32:00
e = [{ f = 1 }, { g = 2 }]
h = true
`,
			want: map[string]int{"a": 2, "d": 3, "e": 4, "e[0].f": 4, "e[1].g": 4, "h": 5},
		},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			x := indexKeys(r.doc)
			for _, path := range slices.Sorted(maps.Keys(r.want)) {
				if got, ok := x.byPath[path]; !ok || got != r.want[path] {
					t.Errorf("%s: got line %d (found %v) want %d", path, got, ok, r.want[path])
				}
			}
			for path := range x.byPath {
				for _, bogus := range []string{"fake", "key", "c", "comment", "b"} {
					if path == bogus || path == "notices[0]."+bogus {
						t.Errorf("got key %q from inside a string or comment", path)
					}
				}
			}
		})
	}
}

func TestKeyIndexLineFallsBackToParent(t *testing.T) {
	x := indexKeys("[hall]\nid = \"h\"\nhours = [\"08:00-09:00\"]\n[[windows]]\nid = \"1\"\n")
	rows := []struct {
		field string
		want  int
	}{
		{"hall.hours[0]", 3},
		{"hall.day_start", 1},
		{"windows[0].secondary[2]", 4},
		{"windows[0].name_zh, name_en", 4},
		{"staff[0].username", 0},
		{"", 0},
	}
	for _, r := range rows {
		t.Run(r.field, func(t *testing.T) {
			if got := x.line(r.field); got != r.want {
				t.Errorf("got %d want %d", got, r.want)
			}
		})
	}
	var none *keyIndex
	if got := none.line("hall"); got != 0 {
		t.Errorf("nil index: got %d want 0", got)
	}
}

func TestSuggest(t *testing.T) {
	rows := []struct {
		key  []string
		want string
	}{
		{[]string{"servces"}, "services"},
		{[]string{"window"}, "windows"},
		{[]string{"services", "perfix"}, "prefix"},
		{[]string{"services", "Real_Name"}, "real_name"},
		{[]string{"windows", "card", "titel"}, "title"},
		{[]string{"hall", "timezone"}, "time_zone"},
		{[]string{"hall", "colour"}, ""},
		{[]string{"nowhere", "id"}, ""},
	}
	for _, r := range rows {
		t.Run(r.want, func(t *testing.T) {
			if got := suggest(r.key); got != r.want {
				t.Errorf("suggest(%q): got %q want %q", r.key, got, r.want)
			}
		})
	}
}

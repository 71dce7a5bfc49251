package engine

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestDecodeIdemGroupAsEncodingJSON: the records a batch writes read back
// as encoding/json reads them, whatever their keys hold, and values of any
// other form fall back to encoding/json.
func TestDecodeIdemGroupAsEncodingJSON(t *testing.T) {
	recs := []idemRecord{
		{Key: "kiosk-1\x00abc", Ticket: "20261123-A001", Service: "general"},
		{Key: "kiosk-2\x00\"<&>\\ \b\f\n\r\t\x01 中文 😀", Ticket: "20261123-A002", Service: "general", Identity: "2026-11-23|general|ab12"},
		{Key: "\x00", Ticket: "", Service: "estate"},
	}
	var group [][]byte
	for _, r := range recs {
		group = append(group, r.appendJSON(nil))
	}
	values := map[string][]byte{
		"group":  (&idemGroup{recs: group}).value(),
		"one":    recs[1].appendJSON(nil),
		"single": (&idemGroup{recs: group[:1]}).value(),
	}
	indented, _ := json.MarshalIndent(recs, "", " ")
	values["indented"] = indented
	reordered, _ := json.Marshal([]map[string]string{{"service": "s", "key": "k\x00x", "ticket": "t"}})
	values["reordered"] = reordered
	values["escaped slash and unicode"] = []byte(`[{"key":"a\/b\u00e9\u4e2d","ticket":"t","service":"s"}]`)
	values["surrogate pair"] = []byte(`[{"key":"\ud83d\ude00","ticket":"t","service":"s"}]`)
	values["invalid utf-8"] = []byte("[{\"key\":\"\xff\",\"ticket\":\"t\",\"service\":\"s\"}]")
	for name, v := range values {
		var want []idemRecord
		if v[0] == '[' {
			if err := json.Unmarshal(v, &want); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		} else {
			want = make([]idemRecord, 1)
			if err := json.Unmarshal(v, &want[0]); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		got, err := decodeIdemGroup(v, map[string]string{})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q\ngot  %+v, %v\nwant %+v", name, v, got, err, want)
		}
	}
	if _, ok := scanIdemGroup(values["group"], nil); !ok {
		t.Error("a batch's group was not read without reflection")
	}
	for _, bad := range []string{``, `[`, `[{"key":"a","ticket":"t","service":"s"}`, `{"key":"a"`, `[{"key":"a","ticket":"t","service":"s"}]x`, `nonsense`} {
		if _, err := decodeIdemGroup([]byte(bad), nil); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

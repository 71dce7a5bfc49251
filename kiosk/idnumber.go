package main

import (
	"errors"
	"strings"

	"hallq/server/queue"
)

// ResidentIDLen is the length of a resident ID number (GB 11643-1999).
const ResidentIDLen = 18

// maxDocLen is the longest document number the keypad takes (the document
// rule's 20 characters).
const maxDocLen = 20

// docKind is a kind of identity document the kiosk offers, with its names.
type docKind struct {
	Kind  string // queue.Doc*
	Short msg    // on its button
	Name  msg    // in titles: "enter your … number"
}

// docKinds are the kinds the kiosk offers, in queue.DocumentKinds' order.
var docKinds = []docKind{
	{queue.DocResident, msg{"居民身份证", "Resident ID"}, msg{"居民身份证号码", "resident ID number"}},
	{queue.DocPassport, msg{"护照", "Passport"}, msg{"护照号码", "passport number"}},
	{queue.DocHKMacao, msg{"港澳居民证件", "HK / Macao permit"}, msg{"港澳居民来往内地通行证或居住证号码", "Hong Kong / Macao permit number"}},
	{queue.DocTaiwan, msg{"台湾居民证件", "Taiwan permit"}, msg{"台湾居民来往大陆通行证或居住证号码", "Taiwan residents' permit number"}},
	{queue.DocForeign, msg{"外国人永居证", "Foreign PR card"}, msg{"外国人永久居留身份证号码", "foreign permanent resident card number"}},
}

// kindOf returns the kiosk's names of a document kind ("" is the resident ID).
func kindOf(kind string) docKind {
	for _, k := range docKinds {
		if k.Kind == kind {
			return k
		}
	}
	return docKinds[0]
}

// maxLen is the longest number of a kind the keypad takes.
func maxLen(kind string) int {
	if kind == queue.DocResident || kind == "" {
		return ResidentIDLen
	}
	return maxDocLen
}

// checkDocument checks a document number as typed with the server's own
// rule (queue.CheckDeclared), so that nothing the server would refuse is
// sent, and returns the refusal for the applicant.
func checkDocument(kind, number string) (msg, bool) {
	if _, err := queue.CheckDeclared(kind, number); err != nil {
		var e *queue.Error
		if errors.As(err, &e) && e.MessageZH != "" {
			return msg{e.MessageZH, e.Message}, false
		}
		return txtIDInvalid, false
	}
	return msg{}, true
}

// maskID returns what the screen shows of a document number being typed:
// every character hidden (as *) but the last one typed, in groups (6 for the
// region, 8 for the date of birth and 4 of a resident ID number; 4 for other
// documents), so the applicant can follow their typing while a bystander
// learns nothing.
func maskID(kind, id string) string {
	breakAt := func(i int) bool { return i > 0 && i%4 == 0 }
	if kind == queue.DocResident || kind == "" {
		breakAt = func(i int) bool { return i == 6 || i == 14 }
	}
	var b strings.Builder
	for i := range len(id) {
		if breakAt(i) {
			b.WriteByte(' ')
		}
		if i == len(id)-1 {
			b.WriteByte(id[i])
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

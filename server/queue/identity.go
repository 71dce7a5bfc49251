package queue

import (
	"strings"
	"time"
)

// Identity document kinds accepted by real-name services.
const (
	DocResident = "resident" // PRC resident identity card, 18 characters (GB 11643)
	DocPassport = "passport"
	DocHKMacao  = "hk_macao"   // permit for Hong Kong and Macao residents
	DocTaiwan   = "taiwan"     // permit for Taiwan residents
	DocForeign  = "foreign_pr" // foreign permanent resident ID card
)

var gb11643Weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const gb11643Check = "10X98765432"

// ResidentCheckChar returns the GB 11643 check character ('0'-'9' or 'X') of a
// resident ID number's first 17 characters, and false if they are not 17
// digits.
func ResidentCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := range 17 {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * gb11643Weights[i]
	}
	return gb11643Check[sum%11], true
}

// The document rule, as published. The kind of document an applicant declares
// cannot be verified at a kiosk, so it never tells two identities apart; only
// the number does:
//
//  1. The number is normalised: full-width characters become ASCII, letters
//     upper case, and spaces, dashes, dots, slashes, underscores, middle dots
//     and brackets are dropped.
//  2. A number of the resident ID format (GB 11643: 17 digits and a matching
//     check digit) is that resident ID number, whatever kind is declared.
//     Residence permits of Hong Kong, Macao and Taiwan residents and the 2023
//     foreign permanent resident ID card use the same format and number space.
//  3. A first-generation 15-digit resident ID number (with a valid date of
//     birth) is the 18-digit number it became, whatever kind is declared.
//  4. 18 characters of that format with a check digit that does not match are
//     refused, whatever kind is declared: they are a mistyped resident ID.
//  5. Any other number of 5 to 20 letters and digits, of any kind but
//     "resident", is one document number, the same whichever kind is declared.
//
// Different documents of the same person (a passport and a permit) have
// different numbers and cannot be linked without checking the document, which
// window staff do.

// NormalizeDocument checks an identity document number as typed and returns the
// canonical form that is hashed, by the document rule above: "resident:" and
// the 18-character number for a resident ID number (whatever kind is declared),
// "document:" and the number for any other document. The number is never
// echoed in errors.
func NormalizeDocument(kind, number string) (string, error) {
	switch kind {
	case "":
		kind = DocResident
	case DocResident, DocPassport, DocHKMacao, DocTaiwan, DocForeign:
	default:
		return "", Errorf(EINVALID, "unknown document kind %q (resident, passport, hk_macao, taiwan, foreign_pr)", kind)
	}
	n := normalizeNumber(number)
	bad := func(en, zh string) error { return Errorf(EINVALID, "%s", en).Zh("%s", zh) }
	if id, ok := firstGeneration(n); ok {
		n = id
	}
	if residentShaped(n) {
		if !checkDigitOK(n) {
			return "", bad("the resident ID number's check digit does not match; please check the number", "身份证号码校验位不正确，请核对")
		}
		return DocResident + ":" + n, nil
	}
	if kind == DocResident {
		if len(n) != 18 {
			return "", bad("a resident ID number has 18 characters", "居民身份证号码应为18位")
		}
		return "", bad("the first 17 characters of a resident ID number are digits", "居民身份证号码前17位应为数字")
	}
	if len(n) < 5 || len(n) > 20 {
		return "", bad("a document number has 5 to 20 letters or digits", "证件号码应为5至20位字母或数字")
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return "", bad("a document number has only letters and digits", "证件号码只能包含字母和数字")
		}
	}
	return "document:" + n, nil
}

// normalizeNumber applies step 1 of the document rule.
func normalizeNumber(number string) string {
	return strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' { // full-width ASCII, typed on Chinese keyboards
			r -= '！' - '!'
		}
		switch r {
		case ' ', '\t', '\u3000', '-', '_', '.', '/', '(', ')', '·', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212':
			return -1
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}, number)
}

// residentShaped reports whether n has the resident ID format: 17 digits and
// a digit or X.
func residentShaped(n string) bool {
	if len(n) != 18 {
		return false
	}
	for i := range 17 {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return n[17] >= '0' && n[17] <= '9' || n[17] == 'X'
}

// checkDigitOK reports whether a resident-shaped number's check digit matches.
func checkDigitOK(n string) bool {
	c, ok := ResidentCheckChar(n[:17])
	return ok && n[17] == c
}

// firstGeneration returns the 18-digit form of a first-generation 15-digit
// resident ID number (address code, YYMMDD date of birth in the 1900s, order
// code): the year gets its century and the check digit is added.
func firstGeneration(n string) (string, bool) {
	if len(n) != 15 {
		return "", false
	}
	for i := range 15 {
		if n[i] < '0' || n[i] > '9' {
			return "", false
		}
	}
	y, m, d := 1900+atoi2(n[6:8]), atoi2(n[8:10]), atoi2(n[10:12])
	if t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC); t.Month() != time.Month(m) || t.Day() != d {
		return "", false
	}
	id := n[:6] + "19" + n[6:]
	c, _ := ResidentCheckChar(id)
	return id + string(c), true
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// DocumentKinds are the document kinds NormalizeDocument accepts, in the order
// forms offer them.
var DocumentKinds = []string{DocResident, DocPassport, DocHKMacao, DocTaiwan, DocForeign}

// CheckDeclared is NormalizeDocument for a form on which the applicant chose
// the kind of their document (the kiosk): it also refuses a number that
// cannot be of the kind chosen, which is almost always the wrong kind chosen,
// with a message that says so. A resident ID card number has only digits
// (and X last); a passport never has a resident ID number (the permits of
// Hong Kong, Macao and Taiwan residents and the foreign permanent resident
// card of 2023 may: rule 2). The canonical form returned is
// NormalizeDocument's, so the identity is the same whatever the form.
func CheckDeclared(kind, number string) (string, error) {
	n := normalizeNumber(number)
	switch kind {
	case DocResident, "":
		for i := 0; i < len(n); i++ {
			if c := n[i]; c >= 'A' && c <= 'Z' && !(c == 'X' && i == len(n)-1) {
				return "", Errorf(EINVALID, "a resident ID number has only digits (X may be last); for a passport or a permit, choose its kind").
					Zh("居民身份证号码只有数字（末位可为X）；护照或通行证请先选择相应的证件类型")
			}
		}
	case DocPassport:
		if _, ok := firstGeneration(n); ok || residentShaped(n) {
			return "", Errorf(EINVALID, "this is a resident ID number, not a passport number: choose the resident ID card").
				Zh("这是居民身份证号码，不是护照号码，请选择“居民身份证”")
		}
	}
	return NormalizeDocument(kind, number)
}

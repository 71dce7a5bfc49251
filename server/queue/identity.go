package queue

import (
	"strings"
	"unicode"
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

// NormalizeDocument checks an identity document number as typed and returns the
// canonical form that is hashed: spaces and dashes removed, letters upper-cased,
// and for resident ID numbers the GB 11643 check digit verified. The number is
// never echoed in errors.
func NormalizeDocument(kind, number string) (string, error) {
	n := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u3000' {
			return -1
		}
		// Full-width digits and letters typed on Chinese keyboards.
		if r >= '０' && r <= '９' || r >= 'Ａ' && r <= 'Ｚ' || r >= 'ａ' && r <= 'ｚ' {
			r = r - '０' + '0'
		}
		return unicode.ToUpper(r)
	}, number)
	if kind == "" {
		kind = DocResident
	}
	bad := func(en, zh string) error { return Errorf(EINVALID, "%s", en).Zh("%s", zh) }
	switch kind {
	case DocResident:
		if len(n) != 18 {
			return "", bad("a resident ID number has 18 characters", "居民身份证号码应为18位")
		}
		sum := 0
		for i := range 17 {
			c := n[i]
			if c < '0' || c > '9' {
				return "", bad("the first 17 characters of a resident ID number are digits", "居民身份证号码前17位应为数字")
			}
			sum += int(c-'0') * gb11643Weights[i]
		}
		if n[17] != gb11643Check[sum%11] {
			return "", bad("the resident ID number's check digit does not match; please check the number", "身份证号码校验位不正确，请核对")
		}
	case DocPassport, DocHKMacao, DocTaiwan, DocForeign:
		if len(n) < 5 || len(n) > 20 {
			return "", bad("a document number has 5 to 20 letters or digits", "证件号码应为5至20位字母或数字")
		}
		for _, r := range n {
			if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
				return "", bad("a document number has only letters and digits", "证件号码只能包含字母和数字")
			}
		}
	default:
		return "", Errorf(EINVALID, "unknown document kind %q (resident, passport, hk_macao, taiwan, foreign_pr)", kind)
	}
	return kind + ":" + n, nil
}

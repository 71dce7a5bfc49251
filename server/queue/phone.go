package queue

// MaxPhoneInput is the longest phone number input read, in bytes: enough
// for "+86 138-0013-8000" with spaces to spare, and no more.
const MaxPhoneInput = 24

// NormalizePhone checks a mainland China mobile number as typed and returns
// its 11 digits. Spaces and hyphens are ignored, and a +86, 0086 or 86
// country code is dropped; the number must start with 1 and a second digit
// of 3 to 9. Nothing else is accepted, so the result is safe to hand to any
// gateway or program.
func NormalizePhone(raw string) (string, error) {
	if len(raw) > MaxPhoneInput {
		return "", Errorf(EINVALID, "phone: at most %d characters", MaxPhoneInput).Zh("手机号码过长")
	}
	digits := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '-':
		case c == '+' && len(digits) == 0 && i == 0:
		default:
			return "", Errorf(EINVALID, "phone: only digits, spaces and hyphens").Zh("手机号码只能包含数字")
		}
	}
	d := string(digits)
	switch {
	case len(d) == 15 && d[:4] == "0086":
		d = d[4:]
	case len(d) == 13 && d[:2] == "86":
		d = d[2:]
	}
	if len(d) != 11 || d[0] != '1' || d[1] < '3' {
		return "", Errorf(EINVALID, "phone: a mainland mobile number has 11 digits and starts with 13 to 19").
			Zh("请输入11位手机号码（以13至19开头）")
	}
	return d, nil
}

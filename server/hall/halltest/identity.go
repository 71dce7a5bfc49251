package halltest

import "fmt"

// ResidentID returns the n-th (0-999) of a series of valid resident ID
// numbers (GB 11643, born 5 March 1992), its check character computed here
// rather than by the code under test.
func ResidentID(n int) string {
	body := fmt.Sprintf("51010719920305%03d", n%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

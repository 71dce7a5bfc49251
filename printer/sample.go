package printer

import "time"

// SampleStatusURL is the status URL of the sample ticket used for the figures
// in README.md: a hall server on the local network and a 16-character token.
const SampleStatusURL = "http://192.168.10.2:8080/t/7KQ2M9XP4TJ6WRNA"

// SampleTicket returns a realistic ticket for installers' test prints, demos
// and tests: the QR code carries statusURL, and the receipt says it was
// issued at issued.
func SampleTicket(statusURL string, issued time.Time) Ticket {
	return Ticket{
		Hall:      "示例市政务服务中心",
		ServiceZH: "不动产登记",
		ServiceEN: "Real Estate Registration",
		Number:    "A023",
		Ahead:     7,
		ETA:       18 * time.Minute,
		IssuedAt:  issued,
		StatusURL: statusURL,
		LogSeq:    10482,
		LogHash:   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	}
}

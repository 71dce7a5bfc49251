package wire

import "time"

// RatingRequest rates a completed ticket on its page (POST
// /api/v1/tickets/{token}/rating). Level is one of very_satisfied,
// satisfied, fair, dissatisfied, very_dissatisfied; Comment is optional,
// at most 500 characters, and private: only supervisors read it.
type RatingRequest struct {
	Level   string `json:"level"`
	Comment string `json:"comment,omitempty"`
}

// WindowRatingRequest rates, from a window's screen, the service it just
// completed (POST /api/v1/windows/{id}/rating, with the screen's token).
type WindowRatingRequest struct {
	Level string `json:"level"`
}

// WindowRated answers a window screen's rating: the number rated.
type WindowRated struct {
	Number string `json:"number"`
	Level  string `json:"level"`
}

// Case is an open follow-up case of a bad rating, as supervisors see it
// (GET /api/v1/supervise/cases). Comment is the applicant's private comment.
type Case struct {
	ID       string    `json:"id"`
	Number   string    `json:"number"`
	Service  string    `json:"service"`
	Window   string    `json:"window"`
	Level    string    `json:"level"`
	Due      string    `json:"due"`
	Overdue  bool      `json:"overdue,omitempty"`
	OpenedAt time.Time `json:"opened_at"`
	Comment  string    `json:"comment,omitempty"`
}

// Cases is the list of open cases.
type Cases struct {
	Cases []Case `json:"cases"`
}

// CaseClose closes a case (POST /api/v1/supervise/cases/{id}/close): what
// the return visit found and what was rectified, both required, private.
type CaseClose struct {
	Visit         string `json:"visit"`
	Rectification string `json:"rectification"`
}

// ComplaintRequest files a complaint (POST /api/v1/complaints). About is
// window, service or hall; Target the window or service ID. Text is
// required (at most 2,000 characters); Contact is optional and private.
type ComplaintRequest struct {
	About   string `json:"about"`
	Target  string `json:"target,omitempty"`
	Text    string `json:"text"`
	Contact string `json:"contact,omitempty"`
}

// ComplaintFiled answers a new complaint: the tracking code, shown once,
// and the link of its tracking page.
type ComplaintFiled struct {
	Code        string `json:"code"`
	TrackingURL string `json:"tracking_url"`
}

// Complaint is a complaint's state. The tracking page (GET
// /api/v1/complaints/{code}) gets no Text or Contact; supervisors (GET
// /api/v1/supervise/complaints) get both.
type Complaint struct {
	ID         string    `json:"id"`
	About      string    `json:"about"`
	Target     string    `json:"target,omitempty"`
	FiledAt    time.Time `json:"filed_at"`
	Answered   bool      `json:"answered"`
	Answer     string    `json:"answer,omitempty"`
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	Text       string    `json:"text,omitempty"`
	Contact    string    `json:"contact,omitempty"`
}

// Complaints is the list of complaints not answered yet.
type Complaints struct {
	Complaints []Complaint `json:"complaints"`
}

// ComplaintAnswer answers a complaint (POST
// /api/v1/supervise/complaints/{id}/answer); the answer is shown on the
// complaint's tracking page.
type ComplaintAnswer struct {
	Answer string `json:"answer"`
}

// Done answers a command with nothing else to say.
type Done struct {
	Done bool `json:"done"`
}

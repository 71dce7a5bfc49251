package web

import "hallq/server/queue"

// levelNames are the rating levels' names, as the 好差评 scheme gives them.
var levelNames = func() map[string]text {
	out := make(map[string]text, len(queue.RatingNames))
	for l, n := range queue.RatingNames {
		out[l] = text{n[0], n[1]}
	}
	return out
}()

// ratingLevels returns the levels, best first, with their names.
func ratingLevels() []option {
	out := make([]option, 0, len(queue.RatingLevels))
	for _, l := range queue.RatingLevels {
		out = append(out, option{ID: l, Name: levelNames[l]})
	}
	return out
}

// feedbackRules are the published rules of ratings, follow-up and
// complaints, for /rules.
type feedbackRules struct {
	RatingPeriod, WindowPeriod text
	FollowUpDays               int
	Retention                  text
	ComplaintsPerHour          int
}

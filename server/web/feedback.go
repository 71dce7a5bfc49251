package web

import "hallq/server/queue"

// levelNames are the rating levels' names, as the 好差评 scheme gives them.
var levelNames = map[string]text{
	queue.RatingVerySatisfied:    {"非常满意", "Very satisfied"},
	queue.RatingSatisfied:        {"满意", "Satisfied"},
	queue.RatingFair:             {"基本满意", "Fair"},
	queue.RatingDissatisfied:     {"不满意", "Dissatisfied"},
	queue.RatingVeryDissatisfied: {"非常不满意", "Very dissatisfied"},
}

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

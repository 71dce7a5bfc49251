package config

import (
	"net/url"
	"strings"
	"time"
)

// Notify is the hall's notifier: how an applicant who left a mobile number
// at a kiosk or reception desk is told that their turn is close and that
// they are called, through the hall's SMS or WeChat gateway. It is off
// (and the kiosks ask for no number) unless a webhook or a command is set.
// Both are configuration only: no request can name another target.
type Notify struct {
	// Webhook is the http(s) URL each message is POSTed to as JSON.
	Webhook string
	// Command is the program (and its fixed arguments) run for each message,
	// without a shell (a bare name is looked up on PATH, a relative path
	// is taken from the configuration file's folder); the message is its standard input, as JSON, and its
	// environment (HALLQ_*). A zero exit status means sent.
	Command []string
	// Timeout bounds each attempt: the webhook's whole request, or the
	// command's run (it is killed then).
	Timeout time.Duration
	// Attempts is how many times a message is tried before it is given up;
	// retries wait 1 s, 2 s, 4 s … (at most a minute) between them.
	Attempts int
	// CloseAhead: the "close" message goes out when this many people or
	// fewer are ahead of the ticket.
	CloseAhead int
}

// Enabled reports whether the hall has a notifier.
func (n Notify) Enabled() bool { return n.Webhook != "" || len(n.Command) > 0 }

type fileNotify struct {
	Webhook    string   `toml:"webhook"`
	Command    []string `toml:"command"`
	Timeout    duration `toml:"timeout"`
	Attempts   *int     `toml:"attempts"`
	CloseAhead *int     `toml:"close_ahead"`
}

func (p *parser) notify(raw fileNotify) Notify {
	n := Notify{
		Webhook:    strings.TrimSpace(raw.Webhook),
		Timeout:    p.durationIn("notify.timeout", raw.Timeout, 5*time.Second, 100*time.Millisecond, time.Minute),
		Attempts:   p.intIn("notify.attempts", raw.Attempts, 4, 1, 10),
		CloseAhead: p.intIn("notify.close_ahead", raw.CloseAhead, 3, 0, 50),
	}
	if n.Webhook != "" {
		u, err := url.Parse(n.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.errorf("notify.webhook", "%q is not an http:// or https:// URL", raw.Webhook)
		}
	}
	if len(raw.Command) > 0 {
		prog := strings.TrimSpace(raw.Command[0])
		switch {
		case prog == "":
			p.errorf("notify.command", "the first element must name the program to run")
		case strings.ContainsRune(prog, '/'):
			prog = p.path(prog) // beside the configuration file
		}
		n.Command = append([]string{prog}, raw.Command[1:]...)
	}
	if n.Webhook != "" && len(n.Command) > 0 {
		p.errorf("notify", "set webhook or command, not both")
	}
	return n
}

package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// Message is what the gateway is handed for one applicant: the webhook's
// JSON body, the command's standard input.
type Message struct {
	// ID names the message: the ticket's ID and the kind. It is the same on
	// every attempt and after a restart, so a gateway can drop repeats.
	ID     string `json:"id"`
	Kind   string `json:"kind"` // KindClose or KindCalled
	Phone  string `json:"phone"`
	Hall   string `json:"hall"`
	Ticket string `json:"ticket"`
	Number string `json:"number"`
	// ServiceZH and ServiceEN name the ticket's service.
	ServiceZH string `json:"service_zh"`
	ServiceEN string `json:"service_en"`
	// Ahead is how many people are ahead ("close" only).
	Ahead int `json:"ahead"`
	// Window and its names: where the ticket is called to ("called" only).
	Window   string `json:"window,omitempty"`
	WindowZH string `json:"window_zh,omitempty"`
	WindowEN string `json:"window_en,omitempty"`
	// Text is the message in Chinese, ready to send as it is.
	Text string `json:"text"`
}

// The kinds of message.
const (
	KindClose  = "close"
	KindCalled = "called"
)

// Sender hands one message to the hall's gateway. An error means it was not
// accepted; the notifier tries again.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Webhook POSTs each message as JSON to a configured URL. Any 2xx answer is
// success. Redirects are not followed: the URL is the configured one only.
type Webhook struct {
	URL    string
	Client *http.Client // nil: a client that follows no redirects
}

var _ Sender = (*Webhook)(nil)

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Send implements Sender.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.ID)
	c := w.Client
	if c == nil {
		c = noRedirects
	}
	resp, err := c.Do(req)
	if err != nil {
		// The error names the URL, never the message.
		return fmt.Errorf("notify: webhook: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notify: webhook answered %s", resp.Status)
	}
	return nil
}

// Command runs a configured program for each message, without a shell: its
// argv is the configuration's, never anything of the message. The message
// is its standard input (JSON) and, for simple scripts, its environment:
// HALLQ_ID, HALLQ_KIND, HALLQ_PHONE, HALLQ_NUMBER, HALLQ_WINDOW, HALLQ_AHEAD
// and HALLQ_TEXT. A zero exit status is success; the context's deadline
// kills it.
type Command struct {
	Argv []string
}

var _ Sender = (*Command)(nil)

// Send implements Sender.
func (c *Command) Send(ctx context.Context, m Message) error {
	if len(c.Argv) == 0 {
		return errors.New("notify: no command")
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Stdin = bytes.NewReader(body)
	cmd.Env = append(os.Environ(),
		"HALLQ_ID="+m.ID, "HALLQ_KIND="+m.Kind, "HALLQ_PHONE="+m.Phone, "HALLQ_NUMBER="+m.Number,
		"HALLQ_WINDOW="+m.WindowZH, "HALLQ_AHEAD="+strconv.Itoa(m.Ahead), "HALLQ_TEXT="+m.Text)
	// Its output is not read: a gateway's error text may hold the number.
	cmd.Stdout, cmd.Stderr = nil, nil
	cmd.WaitDelay = time.Second // then its pipes are closed too
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("notify: command %s: exit status %d", c.Argv[0], ee.ExitCode())
		}
		return fmt.Errorf("notify: command %s: %w", c.Argv[0], err)
	}
	return nil
}

package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/nicholas-fedor/shoutrrr"
	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/internal/redact"
)

// Options configure a Sender.
type Options struct {
	// NotifierID names the notifier in errors.
	NotifierID string
	// URL is the shoutrrr service URL.
	URL string
	// Timeout bounds one send; 0 means DefaultTimeout. shoutrrr takes no
	// context, so a send that outlasts it is reported as a temporary
	// failure while it may still arrive (see the notify package
	// documentation).
	Timeout time.Duration
	// Log receives the messages of a logger:// URL, shoutrrr's service
	// that writes messages to a log (the example config's default); nil
	// discards them. Other services never write to it.
	Log *slog.Logger
}

// Sender sends the short chat rendering through a shoutrrr service URL
// (slack://, discord://, telegram://, ntfy://, teams://, generic://…).
type Sender struct {
	id      string
	rawURL  string
	timeout time.Duration
	router  *router.ServiceRouter
}

var (
	_ notify.Sender    = (*Sender)(nil)
	_ notify.Timeouter = (*Sender)(nil)
)

// DefaultTimeout is the default Options.Timeout.
const DefaultTimeout = 30 * time.Second

// SendTimeout returns how long one send may take.
func (c *Sender) SendTimeout() time.Duration { return c.timeout }

// New returns a Sender for a shoutrrr service URL. Errors never quote the
// URL: its user info, path and query often hold tokens.
func New(opts Options) (*Sender, error) {
	if _, err := url.Parse(opts.URL); err != nil {
		return nil, fmt.Errorf("chat %s: invalid service url", opts.NotifierID)
	}
	var r *router.ServiceRouter
	var err error
	if u, _ := url.Parse(opts.URL); u != nil && u.Scheme == "logger" {
		log := opts.Log
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		r, err = shoutrrr.NewSender(logSink{log: log.With("notifier", opts.NotifierID)}, opts.URL)
	} else {
		r, err = shoutrrr.CreateSender(opts.URL)
	}
	if err != nil {
		return nil, fmt.Errorf("chat %s (%s): %s", opts.NotifierID, redact.URL(opts.URL),
			redact.Secrets(errors.Unwrap(err).Error(), opts.URL))
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	return &Sender{id: opts.NotifierID, rawURL: opts.URL, timeout: opts.Timeout, router: r}, nil
}

// Send posts r.Chat, cut to the service's message size at a line break.
// shoutrrr does not tell a refused message from an
// unreachable service, so every failure is temporary and ends dead after
// delivery.give_up. A send that outlasts SendTimeout (or ctx) is reported
// as temporary too, although the message may still arrive: shoutrrr takes
// no context, so the send goes on in its goroutine until its service's own
// request ends.
func (c *Sender) Send(ctx context.Context, r *notify.Rendered) error {
	where := fmt.Sprintf("chat %s (%s)", c.id, redact.URL(c.rawURL))
	timeout := c.SendTimeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan []error, 1)
	msg := fit(r.Chat, limitFor(c.rawURL))
	go func() { done <- c.router.Send(msg, &types.Params{}) }()
	select {
	case errs := <-done:
		err := errors.Join(errs...)
		if err == nil {
			return nil
		}
		return fmt.Errorf("%s: %s", where, redact.URLs(c.scrub(err)))
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s: no answer within %s (the message may still arrive): %w", where, timeout, ctx.Err())
		}
		return fmt.Errorf("%s: %w", where, ctx.Err())
	}
}

func (c *Sender) scrub(err error) string {
	secrets := []string{c.rawURL}
	if u, perr := url.Parse(c.rawURL); perr == nil {
		if u.User != nil {
			secrets = append(secrets, u.User.String(), u.User.Username())
			if p, ok := u.User.Password(); ok {
				secrets = append(secrets, p)
			}
		}
		secrets = append(secrets, u.Path, u.RawQuery)
		for _, vs := range u.Query() {
			secrets = append(secrets, vs...)
		}
	}
	return redact.Secrets(err.Error(), secrets...)
}

// logSink is the standard logger shoutrrr's logger:// service writes each
// message to: one record per message, the message's text under "message".
type logSink struct{ log *slog.Logger }

func (l logSink) Print(v ...any) { l.message(fmt.Sprint(v...)) }

func (l logSink) Printf(format string, v ...any) { l.message(fmt.Sprintf(format, v...)) }

func (l logSink) Println(v ...any) { l.message(fmt.Sprintln(v...)) }

func (l logSink) message(text string) {
	l.log.Info("chat message", "message", strings.TrimRight(text, "\n"))
}

package notify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/nicholas-fedor/shoutrrr"
	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"
)

// Chat sends the short chat rendering through a shoutrrr service URL
// (slack://, discord://, telegram://, ntfy://, teams://, generic://…).
type Chat struct {
	// Timeout bounds one send; 0 means DefaultChatTimeout. shoutrrr takes
	// no context, so a send that outlasts it is reported as a temporary
	// failure while it may still arrive (see the package documentation).
	Timeout time.Duration
	id      string
	rawURL  string
	router  *router.ServiceRouter
}

// DefaultChatTimeout is the default Chat.Timeout.
const DefaultChatTimeout = 30 * time.Second

// SendTimeout returns how long one send may take.
func (c *Chat) SendTimeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultChatTimeout
	}
	return c.Timeout
}

// NewChat returns a Chat sender for a shoutrrr service URL. Errors never
// quote the URL: its user info, path and query often hold tokens.
func NewChat(notifierID, serviceURL string) (*Chat, error) {
	if _, err := url.Parse(serviceURL); err != nil {
		return nil, fmt.Errorf("chat %s: invalid service url", notifierID)
	}
	r, err := shoutrrr.CreateSender(serviceURL)
	if err != nil {
		return nil, fmt.Errorf("chat %s (%s): %s", notifierID, redactURL(serviceURL),
			scrub(errors.Unwrap(err).Error(), serviceURL))
	}
	return &Chat{id: notifierID, rawURL: serviceURL, router: r}, nil
}

// Send posts r.Chat. shoutrrr does not tell a refused message from an
// unreachable service, so every failure is temporary and ends dead after
// delivery.give_up. A send that outlasts SendTimeout (or ctx) is reported
// as temporary too, although the message may still arrive: shoutrrr takes
// no context, so the send goes on in its goroutine until its service's own
// request ends.
func (c *Chat) Send(ctx context.Context, r *Rendered) error {
	where := fmt.Sprintf("chat %s (%s)", c.id, redactURL(c.rawURL))
	timeout := c.SendTimeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan []error, 1)
	go func() { done <- c.router.Send(r.Chat, &types.Params{}) }()
	select {
	case errs := <-done:
		err := errors.Join(errs...)
		if err == nil {
			return nil
		}
		return fmt.Errorf("%s: %s", where, RedactURLs(c.scrub(err)))
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s: no answer within %s (the message may still arrive): %w", where, timeout, ctx.Err())
		}
		return fmt.Errorf("%s: %w", where, ctx.Err())
	}
}

func (c *Chat) scrub(err error) string {
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
	return scrub(err.Error(), secrets...)
}

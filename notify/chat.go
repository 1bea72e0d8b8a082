package notify

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/nicholas-fedor/shoutrrr"
	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"
)

// Chat sends the short chat rendering through a shoutrrr service URL
// (slack://, discord://, telegram://, ntfy://, teams://, generic://…).
type Chat struct {
	id     string
	rawURL string
	router *router.ServiceRouter
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
// delivery.give_up.
func (c *Chat) Send(ctx context.Context, r *Rendered) error {
	done := make(chan []error, 1)
	go func() { done <- c.router.Send(r.Chat, &types.Params{}) }()
	select {
	case errs := <-done:
		err := errors.Join(errs...)
		if err == nil {
			return nil
		}
		return fmt.Errorf("chat %s (%s): %s", c.id, redactURL(c.rawURL), c.scrub(err))
	case <-ctx.Done():
		// shoutrrr takes no context; its services bound their own
		// requests, so the goroutine ends on its own.
		return fmt.Errorf("chat %s (%s): %w", c.id, redactURL(c.rawURL), ctx.Err())
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

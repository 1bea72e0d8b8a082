package notify

import (
	"context"
	"errors"
	"time"

	"github.com/storywatch/storywatch/notify/internal/redact"
)

// Sender delivers a rendered digest to one destination.
type Sender interface {
	// Send delivers r. An error wrapped by Permanent will not succeed on
	// retry; any other error is temporary.
	Send(ctx context.Context, r *Rendered) error
}

// Timeouter is implemented by senders that say how long one send may take.
// The Outbox ends each attempt after that long and holds its claim on the
// delivery at least that long plus a margin.
type Timeouter interface {
	SendTimeout() time.Duration
}

// DefaultSendTimeout bounds one send of a sender that is no Timeouter.
const DefaultSendTimeout = time.Minute

func sendTimeout(s Sender) time.Duration {
	if t, ok := s.(Timeouter); ok {
		if d := t.SendTimeout(); d > 0 {
			return d
		}
	}
	return DefaultSendTimeout
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, r *Rendered) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, r *Rendered) error { return f(ctx, r) }

// PermanentError marks a failure that retrying cannot fix, such as an SMTP
// 5xx reply or an HTTP 4xx status other than 408 and 429.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as permanent; nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err, or an error it wraps, is permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RedactURLs replaces every URL in msg by its redacted form
// (scheme://host/…, without user info, path or query), because the URLs of
// chat services and webhooks carry their tokens: a Slack hook's path, a
// Telegram bot's user info, a webhook's ?token=. Redacting a redacted
// message changes nothing (redact.URLs).
func RedactURLs(msg string) string { return redact.URLs(msg) }

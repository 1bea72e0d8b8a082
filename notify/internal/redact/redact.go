// Package redact keeps secrets out of the error texts of notify's senders:
// the URLs of chat services and webhooks carry tokens, and libraries quote
// their input (a URL, a password) in their errors.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// URL returns raw without user info, query or fragment, and with any path
// cut to "/…", for error messages: chat and webhook URLs
// often carry tokens in any of those places.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		if i := strings.Index(raw, "://"); i >= 0 {
			return raw[:i+3] + "…"
		}
		return "…"
	}
	out := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" {
		out += "/…"
	}
	return out
}

// urlPattern finds URLs in error texts: a scheme, "://" and everything up to
// white space or a quote (Go's *url.Error quotes the URL).
var urlPattern = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>` + "`" + `]+`)

// URLs replaces every URL in msg by its redacted form (URL). Punctuation
// that ends a URL ("(https://host/…): ") stays, so that redacting a
// redacted message changes nothing: senders redact their errors and the
// outbox redacts whatever reaches it again.
func URLs(msg string) string {
	return urlPattern.ReplaceAllStringFunc(msg, func(u string) string {
		trimmed := strings.TrimRight(u, ").,:;!?")
		return URL(trimmed) + u[len(trimmed):]
	})
}

// Secrets removes every occurrence of the given secrets from msg. Libraries
// sometimes quote their input (a URL with a token, a password) in errors.
func Secrets(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) < 4 {
			// Too short to search for without mangling ordinary words; such
			// a secret protects little anyway.
			continue
		}
		msg = strings.ReplaceAll(msg, s, "[redacted]")
	}
	return msg
}

// scrubbed keeps an error's chain (for errors.As) but prints a
// redacted message.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// Error returns err with the given secrets removed from its message; nil
// stays nil.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	return &scrubbed{msg: Secrets(err.Error(), secrets...), err: err}
}

package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// checkURL checks that s is an absolute URL with one of the schemes and a
// host. Messages quote the URL redacted (redactURL): feed URLs may carry
// API keys.
func checkURL(s string, schemes ...string) error {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("invalid URL %q: %v", redactURL(s), err)
	}
	if u.Scheme == "" {
		return fmt.Errorf("invalid URL %q: no scheme; write %s://…", redactURL(s), schemes[len(schemes)-1])
	}
	if !slices.Contains(schemes, strings.ToLower(u.Scheme)) {
		return fmt.Errorf("invalid URL %q: want %s", redactURL(s), strings.Join(schemes, " or "))
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("invalid URL %q: no host", redactURL(s))
	}
	return nil
}

// redactURL returns s for an error message: without user info, and with
// its query and fragment replaced by "…" (where APIs take their keys, as
// in ?key=${API_KEY}).
func redactURL(s string) string {
	prefix, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest = s[:i+3], s[i+3:]
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i] + "?…"
	}
	authority := rest
	if j := strings.IndexAny(rest, "/?"); j >= 0 {
		authority = rest[:j]
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 && prefix != "" {
		rest = rest[at+1:]
	}
	return prefix + rest
}

// checkServiceURL checks a chat service URL (slack://…, ntfy://…) without
// quoting it: such URLs carry tokens.
func checkServiceURL(s string) error {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme == "" || !strings.Contains(s, "://") {
		return errors.New("invalid service URL: want scheme://…, e.g. slack://, discord://, telegram://, ntfy://")
	}
	return nil
}

// checkSecretURL is checkURL for URLs that may carry a token, such as a
// webhook's: the message does not quote the URL.
func checkSecretURL(s string) error {
	u, err := url.Parse(strings.TrimSpace(s))
	switch {
	case err != nil:
		return errors.New("invalid URL")
	case u.Scheme == "":
		return errors.New("invalid URL: no scheme; write https://…")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("invalid URL: want http or https")
	case u.Hostname() == "":
		return errors.New("invalid URL: no host")
	}
	return nil
}

// checkListen checks a host:port listen address.
func checkListen(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("invalid listen address %q: want host:port, like 127.0.0.1:8080 or :8080", s)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("invalid listen address %q: the port must be a number from 0 to 65535", s)
	}
	return nil
}

// checkAddress checks an RFC 5322 address such as
// "storywatch <alerts@example.org>".
func checkAddress(s string) error {
	if _, err := mail.ParseAddress(s); err != nil {
		return fmt.Errorf("invalid email address %q: %s", s, strings.TrimPrefix(err.Error(), "mail: "))
	}
	return nil
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// checkID checks an id: lower-case letters, digits, - and _, so that it can
// be written after @ in a query and in URLs.
func checkID(s string) error {
	if !idPattern.MatchString(s) {
		return fmt.Errorf("invalid id %q: use lower-case letters, digits, - and _ (like call-leak)", s)
	}
	return nil
}

// didYouMean suggests the known id closest to an unknown one.
func didYouMean(name string, known []string) string {
	best := Closest(name, known)
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// fmtDuration writes a duration the way a config file would: 1h, not 1h0m0s.
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

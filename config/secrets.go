package config

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// envValue is a value taken from the environment and the path of the
// field it went into.
type envValue struct {
	path, value string
}

// secretField matches the fields that can carry a token or a password:
// the values the environment gives them are secrets, where a data folder
// or a listen address from the environment is not.
var secretField = regexp.MustCompile(`^(http_token|feeds\[\d+\]\.url|notifiers\[\d+\]\.(email\.password|webhook\.(url|secret)|chat\.url))$`)

// secrets collects the secrets of a loaded config: the values the
// environment gave to fields that can carry one (fromEnv), and the values
// that are secret wherever they come from. A notifier URL's path segments
// count too when they look like tokens (long, with a digit), as a chat
// service's do.
func secrets(c *Config, fromEnv []envValue) []string {
	var out []string
	for _, e := range fromEnv {
		if secretField.MatchString(e.path) {
			out = append(out, e.value)
		}
	}
	out = append(out, c.HTTPToken)
	for _, n := range c.Notifiers {
		switch {
		case n.Email != nil:
			out = append(out, n.Email.Password)
		case n.Webhook != nil:
			out = append(out, n.Webhook.Secret)
			out = append(out, urlSecrets(n.Webhook.URL)...)
		case n.Chat != nil:
			out = append(out, urlSecrets(n.Chat.URL)...)
		}
	}
	for _, f := range c.Feeds {
		if u, err := url.Parse(f.URL); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return slices.DeleteFunc(slices.Compact(out), func(s string) bool { return strings.TrimSpace(s) == "" })
}

// urlSecrets returns the parts of a notifier URL that carry tokens: the
// user info, the query values and the path segments that look like tokens.
func urlSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return []string{raw}
	}
	var out []string
	if u.User != nil {
		out = append(out, u.User.Username())
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	for _, vs := range u.Query() {
		out = append(out, vs...)
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if len(seg) >= 8 && strings.ContainsAny(seg, "0123456789") {
			out = append(out, seg)
		}
	}
	return out
}

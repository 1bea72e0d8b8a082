package secret

import (
	"cmp"
	"context"
	"encoding/base64"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
)

// Redacted replaces each secret found.
const Redacted = "[redacted]"

// MinLen is the length below which a secret is not searched for: shorter
// ones would mangle ordinary words and protect little anyway.
const MinLen = 4

// Set is the secrets to scrub. The zero Set, and a nil *Set, scrub
// nothing. It is safe for concurrent use; Replace swaps the secrets (a
// config reload) for every holder of the Set at once.
type Set struct {
	r atomic.Pointer[strings.Replacer]
}

// New returns a Set of the given secrets.
func New(secrets ...string) *Set {
	s := &Set{}
	s.Replace(secrets...)
	return s
}

// Replace makes secrets the set's secrets; on a nil Set it does nothing.
func (s *Set) Replace(secrets ...string) {
	if s == nil {
		return
	}
	var forms []string
	seen := map[string]bool{}
	for _, sec := range secrets {
		for _, f := range Forms(sec) {
			if !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	if len(forms) == 0 {
		s.r.Store(nil)
		return
	}
	// Longer forms first: the replacer tries its pairs in order, and a
	// secret that contains another must go whole.
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Redacted)
	}
	s.r.Store(strings.NewReplacer(pairs...))
}

// Scrub returns text with every form of every secret replaced by
// Redacted. Scrubbing twice changes nothing more.
func (s *Set) Scrub(text string) string {
	if s == nil {
		return text
	}
	r := s.r.Load()
	if r == nil {
		return text
	}
	return r.Replace(text)
}

// Error returns err with a scrubbed message, keeping its chain for
// errors.Is and errors.As; nil stays nil, and an error that holds no
// secret is returned as it is.
func (s *Set) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	scrubbed := s.Scrub(msg)
	if scrubbed == msg {
		return err
	}
	return &scrubbedError{msg: scrubbed, err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// Forms returns the texts a secret may travel as: as written,
// percent-encoded for a query and a path, and base64 (standard and URL
// alphabets) at each of the three alignments it can have inside a longer
// encoded text, such as the "\x00user\x00password" of SMTP AUTH PLAIN. An
// aligned form covers the whole groups of three bytes the secret fills, so
// at most two bytes at either end of it stay in an encoded text: too
// little to decode the secret. A secret shorter than MinLen has no forms.
func Forms(secret string) []string {
	if len(secret) < MinLen {
		return nil
	}
	forms := []string{secret}
	for _, f := range []string{url.QueryEscape(secret), url.PathEscape(secret)} {
		if f != secret {
			forms = append(forms, f)
		}
	}
	for skip := range 3 {
		b := []byte(secret[skip:])
		b = b[:len(b)/3*3]
		if len(b) < 3 {
			continue
		}
		forms = append(forms, base64.StdEncoding.EncodeToString(b), base64.URLEncoding.EncodeToString(b))
	}
	return forms
}

// Handler returns a slog handler that scrubs the message and every string,
// error and other value of each record before h sees it.
func Handler(h slog.Handler, s *Set) slog.Handler {
	return &handler{next: h, set: s}
}

type handler struct {
	next slog.Handler
	set  *Set
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.set.Scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	scrubbed := make([]slog.Attr, len(as))
	for i, a := range as {
		scrubbed[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(scrubbed), set: h.set}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), set: h.set}
}

// attr scrubs one attribute; numbers, times and the like cannot hold a
// secret and pass as they are.
func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.set.Scrub(v.String()))
	case slog.KindGroup:
		g := v.Group()
		scrubbed := make([]any, len(g))
		for i, ga := range g {
			scrubbed[i] = h.attr(ga)
		}
		return slog.Group(a.Key, scrubbed...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.set.Scrub(err.Error()))
		}
		return slog.String(a.Key, h.set.Scrub(v.String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

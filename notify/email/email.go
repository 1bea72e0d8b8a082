package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/internal/redact"
)

// TLS modes of an SMTP connection.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// Options configure a Sender.
type Options struct {
	// NotifierID names the notifier; it is part of the Message-ID.
	NotifierID string
	Host       string
	Port       int
	// TLS is TLSStartTLS (the default), TLSImplicit or TLSNone.
	TLS      string
	Username string
	Password string
	From     string
	To       []string
	// Timeout bounds the whole SMTP conversation; 0 means 30 s.
	Timeout time.Duration
	// TLSConfig overrides the TLS settings, e.g. to trust a test CA.
	TLSConfig *tls.Config
	// Now is the clock for the Date header; nil means time.Now.
	Now func() time.Time
}

// Sender sends digests as multipart text + HTML mail, with the charts
// attached inline.
type Sender struct {
	opts Options
}

var (
	_ notify.Sender    = (*Sender)(nil)
	_ notify.Timeouter = (*Sender)(nil)
)

// New returns a Sender. It checks the addresses once, so that a
// bad address is a configuration error rather than a failed delivery.
func New(opts Options) (*Sender, error) {
	if opts.Host == "" {
		return nil, errors.New("email: no host")
	}
	if _, err := mail.ParseAddress(opts.From); err != nil {
		return nil, fmt.Errorf("email: from %q: %w", opts.From, err)
	}
	if len(opts.To) == 0 {
		return nil, errors.New("email: no recipients")
	}
	for _, to := range opts.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return nil, fmt.Errorf("email: to %q: %w", to, err)
		}
	}
	switch opts.TLS {
	case "":
		opts.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, fmt.Errorf("email: tls %q: want starttls, tls or none", opts.TLS)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Sender{opts: opts}, nil
}

// Message builds the mail for r without sending it.
func (e *Sender) Message(r *notify.Rendered) (*gomail.Msg, error) {
	m := gomail.NewMsg()
	if err := m.From(e.opts.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := m.To(e.opts.To...); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	m.Subject(r.Subject)
	m.SetDateWithValue(e.opts.Now())
	// The Message-ID is derived from the delivery's identity, so that a
	// resend after a crash is recognisably the same message.
	m.SetMessageIDWithValue(notify.SafeName(r.DigestID) + "." + notify.SafeName(e.opts.NotifierID) + "@" + domainOf(e.opts.From))
	m.SetGenHeader("X-Storywatch-Digest", r.DigestID)
	m.SetBodyString(gomail.TypeTextPlain, r.Text)
	// Content-IDs are unique per message, like the Message-ID (RFC 2392),
	// and written in the angle brackets RFC 2045 requires; the HTML's
	// cid: references follow.
	html := r.HTML
	cids := make([]string, len(r.Images))
	for i, img := range r.Images {
		local, _, _ := strings.Cut(img.ContentID, "@")
		cids[i] = local + "." + notify.SafeName(e.opts.NotifierID) + "@" + domainOf(e.opts.From)
		html = strings.ReplaceAll(html, "cid:"+img.ContentID, "cid:"+cids[i])
	}
	m.AddAlternativeString(gomail.TypeTextHTML, html)
	for i, img := range r.Images {
		if err := m.EmbedReader(img.Filename, bytes.NewReader(img.PNG),
			gomail.WithFileContentID("<"+cids[i]+">"),
			gomail.WithFileContentType(gomail.ContentType("image/png"))); err != nil {
			return nil, fmt.Errorf("embed %s: %w", img.Filename, err)
		}
	}
	return m, nil
}

// SendTimeout returns how long one send may take: Timeout.
func (e *Sender) SendTimeout() time.Duration { return e.opts.Timeout }

// Send delivers r by SMTP. SMTP 5xx replies are permanent errors; 4xx
// replies and connection problems are temporary.
func (e *Sender) Send(ctx context.Context, r *notify.Rendered) error {
	m, err := e.Message(r)
	if err != nil {
		return notify.Permanent(fmt.Errorf("email %s: %w", e.opts.NotifierID, err))
	}
	opts := []gomail.Option{
		gomail.WithPort(e.opts.Port),
		gomail.WithTimeout(e.opts.Timeout),
	}
	switch e.opts.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if e.opts.Port != 0 {
		// WithTLSPortPolicy and WithSSL choose a default port; the
		// configured one wins.
		opts = append(opts, gomail.WithPort(e.opts.Port))
	}
	if e.opts.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(e.opts.TLSConfig))
	}
	if e.opts.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if e.opts.TLS == TLSNone {
			// The operator chose an unencrypted connection; PLAIN would
			// otherwise refuse to send the password over it.
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth),
			gomail.WithUsername(e.opts.Username), gomail.WithPassword(e.opts.Password))
	}
	c, err := gomail.NewClient(e.opts.Host, opts...)
	if err != nil {
		return notify.Permanent(fmt.Errorf("email %s: %w", e.opts.NotifierID, redact.Error(err, e.opts.Password)))
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		err = fmt.Errorf("email %s via %s:%d: %w", e.opts.NotifierID, e.opts.Host, e.opts.Port,
			redact.Error(err, e.opts.Password))
		if smtpPermanent(err) {
			return notify.Permanent(err)
		}
		return err
	}
	return nil
}

// smtpPermanent reports whether err carries an SMTP 5xx reply, from a send
// or from the dialogue before it (AUTH, STARTTLS).
func smtpPermanent(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return se.ErrorCode() >= 500
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 500
	}
	return false
}

func domainOf(addr string) string {
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return "storywatch.invalid"
	}
	if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i < len(a.Address)-1 {
		return a.Address[i+1:]
	}
	return "storywatch.invalid"
}

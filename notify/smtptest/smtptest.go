// Package smtptest runs a real SMTP server on 127.0.0.1 for tests, built on
// github.com/emersion/go-smtp. It can require AUTH and can be told to
// refuse the next messages with a given reply.
package smtptest

import (
	"crypto/tls"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Server is an in-process SMTP server.
type Server struct {
	// Addr is host:port.
	Addr string
	Host string
	Port int

	mu          sync.Mutex
	messages    []Message
	refusals    []*smtp.SMTPError
	user        string
	password    string
	authFail    int
	hold        chan struct{}
	tls         *tls.Config
	implicitTLS bool
	arrived     chan struct{}
}

// Option configures a Server.
type Option func(*Server)

// WithAuth makes the server require AUTH PLAIN with these credentials
// (allowed without TLS, for tests).
func WithAuth(user, password string) Option {
	return func(s *Server) { s.user, s.password = user, password }
}

// WithTLS offers STARTTLS with this certificate; implicit makes the
// server speak TLS from the first byte instead.
func WithTLS(cfg *tls.Config, implicit bool) Option {
	return func(s *Server) { s.tls, s.implicitTLS = cfg, implicit }
}

// Start starts a server on 127.0.0.1 and stops it when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{}
	for _, o := range opts {
		o(s)
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.TLSConfig = s.tls
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.implicitTLS {
		l = tls.NewListener(l, s.tls)
	}
	s.Addr = l.Addr().String()
	s.Host = "127.0.0.1"
	s.Port = l.Addr().(*net.TCPAddr).Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Refuse makes the server answer the next DATA commands with these codes,
// one per message, e.g. Refuse(451) or Refuse(550).
func (s *Server) Refuse(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range codes {
		msg := "try again later"
		if c >= 500 {
			msg = "mailbox unavailable"
		}
		s.refusals = append(s.refusals, &smtp.SMTPError{Code: c, Message: msg})
	}
}

// Hold makes the next DATA block until Release, and returns a channel that
// is closed when that DATA arrives.
func (s *Server) Hold() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = make(chan struct{})
	s.arrived = make(chan struct{})
	return s.arrived
}

// Release lets held DATA commands finish.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
}

// Messages returns the accepted messages.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// AuthFailures counts refused AUTH attempts.
func (s *Server) AuthFailures() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authFail
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s}, nil
}

type session struct {
	s      *Server
	authed bool
	msg    Message
}

func (se *session) AuthMechanisms() []string {
	if se.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != se.s.user || pass != se.s.password {
			se.s.mu.Lock()
			se.s.authFail++
			se.s.mu.Unlock()
			// What real servers answer (RFC 4954).
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication credentials invalid"}
		}
		se.authed = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.user != "" && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.msg = Message{From: from}
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.msg.To = append(se.msg.To, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	hold, arrived := se.s.hold, se.s.arrived
	if arrived != nil {
		close(arrived)
		se.s.arrived = nil
	}
	se.s.mu.Unlock()
	if hold != nil {
		<-hold
	}
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	if len(se.s.refusals) > 0 {
		e := se.s.refusals[0]
		se.s.refusals = se.s.refusals[1:]
		return e
	}
	se.msg.Data = data
	se.s.messages = append(se.s.messages, se.msg)
	return nil
}

func (se *session) Reset()        { se.msg = Message{} }
func (se *session) Logout() error { return nil }

// Header returns the value of a header of a raw message (first occurrence,
// unfolded), for quick checks.
func Header(data []byte, name string) string {
	head, _, _ := strings.Cut(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n\n")
	head = strings.ReplaceAll(head, "\n ", " ")
	for _, line := range strings.Split(head, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

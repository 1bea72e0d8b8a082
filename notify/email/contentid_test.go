package email

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
	"github.com/storywatch/storywatch/notify/smtptest"
)

// inlinePart is an image part of a parsed message.
type inlinePart struct {
	contentID string // the raw header value, brackets included
}

// readMIME parses a message with net/mail and mime/multipart and returns
// its decoded HTML part and its image parts.
func readMIME(t *testing.T, data []byte) (html string, images []inlinePart) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(ctype string, body io.Reader, header map[string][]string)
	walk = func(ctype string, body io.Reader, header map[string][]string) {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil {
			t.Fatalf("Content-Type %q: %v", ctype, err)
		}
		switch {
		case strings.HasPrefix(mt, "multipart/"):
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextPart() // decodes quoted-printable
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p, p.Header)
			}
		case mt == "text/html":
			b, err := io.ReadAll(body)
			if err != nil {
				t.Fatal(err)
			}
			html = string(b)
		case strings.HasPrefix(mt, "image/"):
			var id string
			for k, v := range header {
				if strings.EqualFold(k, "Content-ID") && len(v) == 1 {
					id = v[0]
				}
			}
			images = append(images, inlinePart{contentID: id})
		}
	}
	walk(m.Header.Get("Content-Type"), m.Body, m.Header)
	return html, images
}

// msgID is RFC 2392's content-id: "<" addr-spec ">" (dot-atom left and
// right, which is what storywatch writes).
var msgID = regexp.MustCompile(`^<([A-Za-z0-9_.-]+@[A-Za-z0-9.-]+)>$`)

func TestEmailContentIDsAreBracketedUniqueAndReferenced(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	var senders []*Sender
	for _, id := range []string{"desk-email", "night-email"} {
		e, err := New(Options{NotifierID: id, Host: srv.Host, Port: srv.Port, TLS: TLSNone,
			From: "storywatch <alerts@example.org>", To: []string{"desk@example.org"},
			Timeout: 5 * time.Second, Now: func() time.Time { return notifytest.T0 }})
		if err != nil {
			t.Fatal(err)
		}
		senders = append(senders, e)
	}
	// Two digests of one name, each to two email notifiers: four messages.
	for _, id := range []string{"morning-20251126T070000Z-00000000", "morning-20251127T070000Z-11111111"} {
		d := notifytest.Digest()
		d.ID = id
		r, err := notify.Render(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range senders {
			if err := e.Send(context.Background(), r); err != nil {
				t.Fatal(err)
			}
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want 4", len(msgs))
	}
	seen := map[string]int{}
	for i, m := range msgs {
		html, images := readMIME(t, m.Data)
		if len(images) != 2 {
			t.Fatalf("message %d: %d images, want 2 (one chart per watch)", i, len(images))
		}
		refs := regexp.MustCompile(`src="cid:([^"]+)"`).FindAllStringSubmatch(html, -1)
		if len(refs) != len(images) {
			t.Errorf("message %d: %d cid: references for %d images", i, len(refs), len(images))
		}
		for _, img := range images {
			sub := msgID.FindStringSubmatch(img.contentID)
			if sub == nil {
				t.Errorf("message %d: Content-ID %q is not <local@domain>", i, img.contentID)
				continue
			}
			if !strings.Contains(html, `src="cid:`+sub[1]+`"`) {
				t.Errorf("message %d: the HTML does not refer to cid:%s", i, sub[1])
			}
			if prev, dup := seen[sub[1]]; dup {
				t.Errorf("Content-ID %s in messages %d and %d", img.contentID, prev, i)
			}
			seen[sub[1]] = i
		}
	}
}

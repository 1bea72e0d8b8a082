package email

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
	"github.com/storywatch/storywatch/notify/smtptest"
)

func TestSeventyStoryMorningEmailStaysUnder100KB(t *testing.T) {
	t.Parallel()
	r, err := notify.Render(notifytest.BigMorning(70, ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(r.HTML, `<p style="margin:12px 0 0">`); got != 70 {
		t.Errorf("the HTML shows %d stories, want all 70", got)
	}
	t.Logf("70 stories: %d bytes of HTML (%d per story)", len(r.HTML), len(r.HTML)/70)

	// The size that counts is the HTML part of the message as sent.
	srv := smtptest.Start(t)
	e, err := New(Options{NotifierID: "desk-email", Host: srv.Host, Port: srv.Port, TLS: TLSNone,
		From: "storywatch <alerts@example.org>", To: []string{"desk@example.org"}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	html, _ := readMIME(t, msgs[0].Data)
	if len(html) >= 100_000 {
		t.Errorf("HTML part is %d bytes decoded, want under 100 KB", len(html))
	}
	raw := string(msgs[0].Data)
	start := strings.Index(raw, "Content-Type: text/html")
	end := strings.Index(raw[start:], "\r\n--")
	if start < 0 || end < 0 {
		t.Fatal("no text/html part in the raw message")
	}
	if n := end; n >= 100_000 {
		t.Errorf("HTML part is %d bytes as sent, want under 100 KB (Gmail clips at about 102 KB)", n)
	}
}

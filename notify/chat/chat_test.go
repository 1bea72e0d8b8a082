package chat

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/storywatch/storywatch/notify"
	"github.com/storywatch/storywatch/notify/notifytest"
)

func TestChatThroughShoutrrrGeneric(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies []string
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		s := status
		mu.Unlock()
		w.WriteHeader(s)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	const token = "chat-T0KEN-abcdef"
	c, err := New(Options{NotifierID: "team-chat", URL: "generic://" + host + "/hooks/" + token + "?disabletls=yes"})
	if err != nil {
		t.Fatal(err)
	}
	r := notifytest.Rendered(t)
	if err := c.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 || !strings.Contains(bodies[0], "Leaked call: Witkoff coached Ushakov") ||
		!strings.Contains(bodies[0], "https://example.org/a?x=1\\u0026y=2") && !strings.Contains(bodies[0], "https://example.org/a?x=1&y=2") {
		t.Errorf("chat body = %q", bodies)
	}
	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	err = c.Send(context.Background(), r)
	if err == nil {
		t.Fatal("a 500 answer is not an error")
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error quotes the chat URL token: %v", err)
	}
}

func TestChatBadURLDoesNotLeak(t *testing.T) {
	t.Parallel()
	_, err := New(Options{NotifierID: "team-chat", URL: "nosuchservice://user:hunter22@example.org/secret-token"})
	if err == nil {
		t.Fatal("unknown service accepted")
	}
	for _, s := range []string{"hunter22", "secret-token"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error quotes %q: %v", s, err)
		}
	}
}

func TestChatHangIsBoundedByTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	c, err := New(Options{NotifierID: "team-chat", URL: "generic://" + strings.TrimPrefix(srv.URL, "http://") + "/hooks/t0ken?disabletls=yes",
		Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.SendTimeout(); got != 100*time.Millisecond {
		t.Errorf("SendTimeout = %v", got)
	}
	done := make(chan error, 1)
	go func() { done <- c.Send(context.Background(), notifytest.Rendered(t)) }()
	select {
	case err := <-done:
		if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), "may still arrive") {
			t.Errorf("err = %v, want a temporary timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("chat send still running 10s after a 100ms timeout")
	}
}

func TestMessagesAreCutToTheServiceLimit(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		url  string
		want int
	}{
		{"discord://token@channel", 2000}, {"telegram://t@telegram?chats=@c", 4096}, {"SLACK://a/b/c", 40000},
		{"generic://127.0.0.1/hook", defaultLimit}, {"%zz", defaultLimit},
	} {
		if got := limitFor(tt.url); got != tt.want {
			t.Errorf("limitFor(%q) = %d, want %d", tt.url, got, tt.want)
		}
	}
	lines := strings.Repeat("• a story title that goes on\n  https://example.org/story\n", 200)
	for _, limit := range []int{2000, 4096} {
		got := fit(lines, limit)
		if len(got) > limit || !strings.HasSuffix(got, cutNote) || !strings.HasSuffix(strings.TrimSuffix(got, cutNote), "/story") {
			t.Errorf("fit to %d: %d bytes ending %q", limit, len(got), got[max(0, len(got)-80):])
		}
	}
	if got := fit("short", 2000); got != "short" {
		t.Errorf("a short message was changed: %q", got)
	}
	if got := fit(strings.Repeat("é", 3000), 2000); len(got) > 2000 || !utf8.ValidString(got) {
		t.Errorf("a message without line breaks: %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
}

// What reaches the service is within its limit.
func TestChatSendsAtMostTheServiceLimit(t *testing.T) {
	t.Parallel()
	got := make(chan int, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- len(b)
	}))
	defer srv.Close()
	c, err := New(Options{NotifierID: "team-chat", URL: "generic://" + strings.TrimPrefix(srv.URL, "http://") + "/hook?disabletls=yes"})
	if err != nil {
		t.Fatal(err)
	}
	r := &notify.Rendered{Chat: strings.Repeat("• title\n  https://example.org/x\n", 10_000)}
	if err := c.Send(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if n := <-got; n > defaultLimit+512 {
		t.Errorf("the service received %d bytes for a limit of %d", n, defaultLimit)
	}
}

package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRedactURLs(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		secrets []string
	}{
		{"slack hook quoted by net/http",
			`Post "https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/xYzSeCrEt123": dial tcp: i/o timeout`,
			`Post "https://hooks.slack.com/…": dial tcp: i/o timeout`,
			[]string{"T01ABCDEF", "B02GHIJKL", "xYzSeCrEt123"}},
		{"telegram token in user info",
			`send to telegram://123456789:AAH-b0tT0ken_x@telegram?chats=@news,-100123 failed`,
			`send to telegram://telegram failed`,
			[]string{"123456789", "AAH-b0tT0ken_x", "chats", "-100123"}},
		{"webhook token in query",
			`webhook: Post "https://hooks.example.org/in?token=s3cr3t-t0k3n&x=1": EOF`,
			`webhook: Post "https://hooks.example.org/…": EOF`,
			[]string{"s3cr3t-t0k3n"}},
		{"password in user info",
			`dial smtp://desk:hunter22@mail.example.org:587/`,
			`dial smtp://mail.example.org:587`,
			[]string{"hunter22", "desk"}},
		{"two URLs", `a https://x.org/p1 b discord://tok@id c`, `a https://x.org/… b discord://id c`,
			[]string{"p1", "tok"}},
		{"no URL", `connection refused`, `connection refused`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RedactURLs(tt.in)
			if got != tt.want {
				t.Errorf("RedactURLs(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("%q still holds %q", got, s)
				}
			}
			if again := RedactURLs(got); again != got {
				t.Errorf("not stable: %q then %q", got, again)
			}
		})
	}
}

func TestWebhookRedirectIsPermanentAndNotFollowed(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			moved := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/new" {
					moved++
					return
				}
				http.Redirect(w, r, "/new?token=n3w-t0ken", status)
			}))
			defer srv.Close()
			w, _ := NewWebhook(WebhookOptions{NotifierID: "h", URL: srv.URL + "/old", Client: srv.Client()})
			err := w.Send(context.Background(), fixtureRendered(t))
			if err == nil || !IsPermanent(err) {
				t.Fatalf("err = %v, want a permanent error", err)
			}
			if moved != 0 {
				t.Errorf("the redirect was followed %d times", moved)
			}
			want := "redirected to " + srv.URL + "/…; update the webhook URL"
			if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "n3w-t0ken") {
				t.Errorf("err = %q, want it to contain %q and no token", err, want)
			}
		})
	}
}

func TestChatHangIsBoundedByTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	c, err := NewChat("team-chat", "generic://"+strings.TrimPrefix(srv.URL, "http://")+"/hooks/t0ken?disabletls=yes")
	if err != nil {
		t.Fatal(err)
	}
	c.Timeout = 100 * time.Millisecond
	if got := c.SendTimeout(); got != 100*time.Millisecond {
		t.Errorf("SendTimeout = %v", got)
	}
	done := make(chan error, 1)
	go func() { done <- c.Send(context.Background(), fixtureRendered(t)) }()
	select {
	case err := <-done:
		if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "may still arrive") {
			t.Errorf("err = %v, want a temporary timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("chat send still running 10s after a 100ms timeout")
	}
}

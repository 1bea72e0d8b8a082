package notify

import (
	"strings"
	"testing"
)

func TestRedactURLs(t *testing.T) {
	t.Parallel()
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

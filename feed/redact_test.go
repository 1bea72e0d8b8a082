package feed

import "testing"

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain URL kept", "https://feeds.example.org/world/rss.xml", "https://feeds.example.org/world/rss.xml"},
		{"API key in the query", "https://api.example.org/news?key=s3cret&q=witkoff", "https://api.example.org/news?…"},
		{"user info", "https://user:s3cret@feeds.example.org/rss", "https://feeds.example.org/rss"},
		{"fragment", "https://feeds.example.org/rss#s3cret", "https://feeds.example.org/rss"},
		{"unparsable with a key", "https://user:s3cret@exa mple.org/rss?key=s3cret", "https://exa mple.org/rss?…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactURL(tt.in); got != tt.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

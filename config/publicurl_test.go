package config

import (
	"strings"
	"testing"
)

func TestPublicURL(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "public_url: https://storywatch.example.org/desk/\n", nil)
	if c.PublicURL != "https://storywatch.example.org/desk" {
		t.Errorf("PublicURL = %q, want it without the trailing slash", c.PublicURL)
	}
	if c := mustLoad(t, "listen: \"\"\n", nil); c.PublicURL != "" {
		t.Errorf("PublicURL = %q without the key", c.PublicURL)
	}
	_, err := loadString(t, "public_url: storywatch.example.org\n", nil)
	if err == nil || !strings.Contains(err.Error(), ":1:13: public_url: invalid URL") {
		t.Errorf("a URL without a scheme: err = %v", err)
	}
}

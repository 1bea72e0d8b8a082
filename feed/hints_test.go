package feed

import (
	"net/http"
	"testing"
	"time"
)

func TestHTTPHint(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   Hint
	}{
		{"max-age", map[string]string{"Cache-Control": "public, max-age=3600"}, Hint{time.Hour, "Cache-Control max-age=3600"}},
		{"max-age wins over Expires", map[string]string{"Cache-Control": "max-age=60", "Expires": "Wed, 26 Nov 2025 12:00:00 GMT"}, Hint{time.Minute, "Cache-Control max-age=60"}},
		{"max-age=0 wins over Expires", map[string]string{"Cache-Control": "max-age=0", "Expires": "Wed, 26 Nov 2025 12:00:00 GMT"}, Hint{}},
		{"no-cache asks for nothing", map[string]string{"Cache-Control": "no-cache, max-age=600"}, Hint{}},
		{"Expires from Date", map[string]string{"Date": "Wed, 26 Nov 2025 09:00:00 GMT", "Expires": "Wed, 26 Nov 2025 09:30:00 GMT"}, Hint{30 * time.Minute, "Expires Wed, 26 Nov 2025 09:30:00 GMT"}},
		{"Expires from now without Date", map[string]string{"Expires": "Wed, 26 Nov 2025 10:15:00 GMT"}, Hint{15 * time.Minute, "Expires Wed, 26 Nov 2025 10:15:00 GMT"}},
		{"past Expires", map[string]string{"Expires": "Wed, 26 Nov 2025 09:00:00 GMT"}, Hint{}},
		{"invalid Expires", map[string]string{"Expires": "0"}, Hint{}},
		{"garbage max-age", map[string]string{"Cache-Control": "max-age=soon"}, Hint{}},
		{"huge max-age is capped", map[string]string{"Cache-Control": "max-age=99999999999999"}, Hint{MaxHint, "Cache-Control max-age=31622400"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got := HTTPHint(h, now); got != tt.want {
				t.Errorf("HTTPHint = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFeedHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, channel string
		want          Hint
	}{
		{"ttl", `<ttl>60</ttl>`, Hint{time.Hour, "RSS ttl 60"}},
		{"sy hourly twice", `<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>`, Hint{30 * time.Minute, "sy:updatePeriod hourly, sy:updateFrequency 2"}},
		{"sy daily without frequency", `<sy:updatePeriod>daily</sy:updatePeriod>`, Hint{24 * time.Hour, "sy:updatePeriod daily"}},
		{"the longest of ttl and sy", `<ttl>15</ttl><sy:updatePeriod>hourly</sy:updatePeriod>`, Hint{time.Hour, "sy:updatePeriod hourly"}},
		{"unknown period", `<sy:updatePeriod>often</sy:updatePeriod>`, Hint{}},
		{"zero ttl", `<ttl>0</ttl>`, Hint{}},
		{"none", ``, Hint{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := `<?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>T</title>` +
				tt.channel + `<item><title>a</title><guid>1</guid></item></channel></rss>`
			f, err := Parse([]byte(doc), "", "https://example.org/feed")
			if err != nil {
				t.Fatal(err)
			}
			if f.Hint != tt.want {
				t.Errorf("hint = %+v, want %+v", f.Hint, tt.want)
			}
		})
	}
}

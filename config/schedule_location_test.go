package config

import "testing"

func TestScheduleKnowsItsTimeZone(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
timezone: America/New_York
poll:
  schedule: "@every 10m"
feeds:
  - url: https://a.example/rss
    schedule: "TZ=Asia/Tokyo 0 * * * *"
actors:
  - id: witkoff
    aliases: [Witkoff]
digests:
  - id: morning
    schedule: "0 7 * * *"
    timezone: Europe/Kyiv
    to: [archive]
  - id: evening
    schedule: "0 19 * * *"
    to: [archive]
notifiers:
  - id: archive
    file: {dir: digests}
`, nil)
	for _, tt := range []struct{ what, got, want string }{
		{"poll.schedule", c.Poll.Schedule.Location.String(), "America/New_York"},
		{"a TZ= prefix", c.Feeds[0].Schedule.Location.String(), "Asia/Tokyo"},
		{"a digest's timezone", c.Digests[0].Schedule.Location.String(), "Europe/Kyiv"},
		{"a digest without one", c.Digests[1].Schedule.Location.String(), "America/New_York"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s runs in %q, want %q", tt.what, tt.got, tt.want)
		}
	}
}

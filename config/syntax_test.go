package config

import (
	"strings"
	"testing"
)

func TestSyntaxErrorIsReportedWhereItIs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{"key indented less than its mapping", "poll:\n  schedule: \"@every 10m\"\n  timeout: 20s\n max_body: 8MiB\n",
			"storywatch.yaml:4:2: invalid YAML: did not find expected key"},
		{"key indented less than its list entry", "feeds:\n  - url: https://a.example/rss\n    name: A\n   schedule: \"@hourly\"\n",
			"storywatch.yaml:4:4: invalid YAML:"},
		{"value indented more than its key", "feeds:\n  - url: https://a.example/rss\n    name: A\n      tags: [x]\n",
			"storywatch.yaml:4:7: invalid YAML: mapping values are not allowed in this context"},
		{"unclosed quote", "actors:\n  - id: witkoff\n    aliases: [Witkoff, \"Steve Witkoff]\n",
			"storywatch.yaml:3:5: invalid YAML: found unexpected end of stream"},
		{"tab indentation", "poll:\n\tschedule: \"@hourly\"\n",
			"storywatch.yaml:2:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse("storywatch.yaml", "/tmp/storywatch.yaml", []byte(tt.yaml), nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to start %q", err, tt.want)
			}
		})
	}
}

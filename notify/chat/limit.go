package chat

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// serviceLimits are the longest messages the chat services take, in bytes:
// most count characters, and a message within this many bytes is within
// as many characters. A service not listed gets defaultLimit.
var serviceLimits = map[string]int{
	"discord":    2000,
	"telegram":   4096,
	"slack":      40000,
	"mattermost": 16383,
	"teams":      28000,
	"rocketchat": 5000,
	"zulip":      10000,
	"googlechat": 4096,
	"matrix":     32768,
	"ntfy":       4096,
	"gotify":     4096,
	"pushover":   1024,
	"pushbullet": 4096,
}

const defaultLimit = 4096

// cutNote ends a message that was cut to fit its service.
const cutNote = "\n… (cut to fit the chat service's message size)"

// limitFor returns the message limit of a shoutrrr service URL.
func limitFor(serviceURL string) int {
	u, err := url.Parse(serviceURL)
	if err != nil {
		return defaultLimit
	}
	if n, ok := serviceLimits[strings.ToLower(u.Scheme)]; ok {
		return n
	}
	return defaultLimit
}

// fit returns msg cut to at most limit bytes, with cutNote: before the
// last entry that no longer fits whole (a line that does not start with a
// space; an entry's link is indented under it), else at the last line
// break, else at a character boundary.
func fit(msg string, limit int) string {
	if len(msg) <= limit {
		return msg
	}
	room := max(limit-len(cutNote), 0)
	cut := strings.LastIndexByte(msg[:room], '\n')
	for i := cut; i > 0; i = strings.LastIndexByte(msg[:i], '\n') {
		if msg[i+1] != ' ' {
			cut = i
			break
		}
	}
	if cut <= 0 {
		cut = room
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
	}
	return msg[:cut] + cutNote
}

package monitor

import (
	"net/url"
	"strings"
)

// linkHost names the outlet of an aggregated item by its link's host,
// without a leading "www.".
func linkHost(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

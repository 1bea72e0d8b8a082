package monitor

import (
	"testing"
)

func TestAggregatorOutletIsTheLinkHost(t *testing.T) {
	t.Parallel()
	if got := linkHost("https://www.Ynetnews.com/article/x?utm_source=a"); got != "ynetnews.com" {
		t.Errorf("linkHost = %q", got)
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFeedsShowsThePlanAndTheHub polls a feed that names a WebSub hub and
// checks what feeds -json says: when the feed is due next and why, and its
// hub (not subscribed: the config has no public_url).
func TestFeedsShowsThePlanAndTheHub(t *testing.T) {
	t.Parallel()
	srv := newPollServer(t)
	srv.feeds["/wire.xml"] = `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Wire</title>` +
		`<atom:link rel="hub" href="https://hub.example/"/><ttl>30</ttl><item><guid>1</guid><title>Snow</title></item></channel></rss>`
	cfg := pollConfig(t, t.TempDir(), "5s", srv.URL+"/wire.xml")
	if code, out, errOut := runCmd(t, "-config", cfg, "once"); code != 0 {
		t.Fatalf("once: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCmd(t, "-config", cfg, "feeds", "-json")
	if code != 0 {
		t.Fatalf("feeds -json: exit %d: %s", code, errOut)
	}
	var f feedOutput
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &f); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if f.NextPoll == nil || f.LastFetch == nil || f.NextPoll.Sub(*f.LastFetch).Minutes() != 30 {
		t.Errorf("next poll %v after last fetch %v, want 30m (the ttl)", f.NextPoll, f.LastFetch)
	}
	if !strings.HasPrefix(f.NextPollReason, "RSS ttl 30 asks for 30m") {
		t.Errorf("reason = %q", f.NextPollReason)
	}
	if f.WebSub == nil || f.WebSub.Hub != "https://hub.example/" || f.WebSub.State != "not subscribed" {
		t.Errorf("websub = %+v", f.WebSub)
	}
	_, table, _ := runCmd(t, "-config", cfg, "feeds")
	if !strings.Contains(table, "NEXT POLL") || !strings.Contains(table, "RSS ttl 30 asks for 30m") {
		t.Errorf("feeds table:\n%s", table)
	}
}

package monitor

import (
	"testing"

	"github.com/storywatch/storywatch/match"
)

func TestOnlyAStorylineHitCountsAsOne(t *testing.T) {
	t.Parallel()
	m, err := match.Compile(match.Watchlist{
		Actors:     []match.Actor{{ID: "witkoff", Name: "Steve Witkoff", Track: true, Aliases: []string{"Witkoff"}}},
		Storylines: []match.Storyline{{ID: "call-leak", Query: `@witkoff AND leak`}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := storylineIDs(m)
	actorHit := []NewItem{{Hits: []match.Hit{{Watch: "witkoff"}}}}
	storyHit := append(actorHit, NewItem{Hits: []match.Hit{{Watch: "call-leak"}}})
	if storylineHit(actorHit, ids) {
		t.Error("an actor's hit counts as a storyline hit")
	}
	if !storylineHit(storyHit, ids) {
		t.Error("a storyline's hit does not count")
	}
	if len(storylineIDs(nil)) != 0 || storylineHit(storyHit, storylineIDs(nil)) {
		t.Error("without a matcher, a hit counts as a storyline hit")
	}
}

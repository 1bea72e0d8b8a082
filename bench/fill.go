package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/monitor"
	"github.com/storywatch/storywatch/store"
	"github.com/storywatch/storywatch/story"
)

// fillBatch is how many stored items one fill transaction writes.
const fillBatch = 500

// fillWindow stores n items first seen within the story window through
// SaveFetch, the path every poll takes, but without fetching, parsing,
// matching or fingerprinting: each item gets ~1 KB of text drawn from the
// bench's words and a random fingerprint, so that it shares keys with no
// cycle item (and rarely with another fill item), as unrelated reports do.
// The items go to fill feeds that the cycle never polls; run keeps the
// keys of separate runs into one database apart.
func fillWindow(ctx context.Context, db *store.DB, g *generator, n int, run int64, progress func(string, ...any)) error {
	r := rand.New(rand.NewPCG(uint64(run), uint64(n)))
	var b strings.Builder
	for done := 0; done < n; {
		f := done / fillBatch
		fetch := monitor.FeedFetch{State: monitor.FeedState{URL: fmt.Sprintf("http://127.0.0.1/fill/%d/%d.xml", run, f),
			LastFetch: time.Now(), LastSuccess: time.Now(), LastStatus: 200, FirstPollDone: true}}
		for i := 0; i < fillBatch && done < n; i, done = i+1, done+1 {
			b.Reset()
			for b.Len() < 1000 {
				b.WriteString(g.words[r.IntN(len(g.words))])
				b.WriteByte(' ')
			}
			text := b.String()
			link := fmt.Sprintf("https://fill%d.example/%d/%d.html", f, run, done)
			fetch.Items = append(fetch.Items, monitor.NewItem{
				Item: feed.Item{Key: fmt.Sprintf("fill-%d-%d", run, done), URL: link, CanonicalURL: link,
					Title: text[:60], Summary: text},
				Print: story.Fingerprint{Title: r.Uint64() | 1, Text: r.Uint64(), HasText: true},
			})
		}
		if _, err := db.SaveFetch(ctx, fetch); err != nil {
			return fmt.Errorf("bench: fill the story window: %w", err)
		}
		if f%200 == 199 {
			progress("stored %d of %d items", done, n)
		}
	}
	return nil
}

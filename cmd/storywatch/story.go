package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/storywatch/storywatch/store"
)

// storyDetailOutput is what `stories ID -json` prints.
type storyDetailOutput = store.StoryDetailJSON

// showStory prints one story's history: the lead, every copy with its
// outlet, feed, first sighting and link, and the watches it hit.
func showStory(a *app, id int64, asJSON bool) error {
	_, db, err := a.openExistingStore()
	if err != nil {
		return err
	}
	defer db.Close()
	d, err := db.StoryDetail(a.ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no story %d (storywatch stories lists them)", id)
	}
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(d.JSON())
	}
	return d.WriteText(a.stdout)
}

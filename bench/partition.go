package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storywatch/storywatch/store"
)

// Partition is how a cycle's items fell into stories, written to or
// compared with a file (Options.Partition), so that two builds can be
// checked to group the same items the same way.
type Partition struct {
	// File is where the partition was written, or what it was compared
	// with when it existed.
	File string `json:"file"`
	// Copies counts the cycle's feed entries, Stories the groups they
	// fell into; SHA256 is the digest of the file's text.
	Copies  int    `json:"copies"`
	Stories int    `json:"stories"`
	SHA256  string `json:"sha256"`
	// Compared says that File existed and was compared with; Same that
	// it held this partition; Differing counts the stories of this run
	// that are not in File.
	Compared  bool `json:"compared"`
	Same      bool `json:"same"`
	Differing int  `json:"differing_stories,omitempty"`
}

// ErrPartitionDiffers is the error of a run whose partition is not the
// one in Options.Partition's file.
var ErrPartitionDiffers = errors.New("the stories differ from those of the partition file")

// itemLink is the link of item i of feed f; parseItemLink reverses it,
// for links of this run only.
func (g *generator) itemLink(f, i int) string {
	return fmt.Sprintf("https://news%d.example/2026/11/story-%d%s.html", f, i, g.runSuffix())
}

func (g *generator) parseItemLink(link string) (f, i int, ok bool) {
	rest, ok := strings.CutPrefix(link, "https://news")
	feedNum, rest, ok2 := strings.Cut(rest, ".example/2026/11/story-")
	itemNum, ok3 := strings.CutSuffix(rest, g.runSuffix()+".html")
	f, err1 := strconv.Atoi(feedNum)
	i, err2 := strconv.Atoi(itemNum)
	return f, i, ok && ok2 && ok3 && err1 == nil && err2 == nil && f < g.feeds && i < g.items
}

// partitionText reads the stories of the items first seen at or after
// since and writes them one a line, each as its copies' "feed-item" labels
// (the same whatever the run, port or database), sorted, the lines sorted:
// equal texts are equal partitions. Entries of other feeds (the fill's)
// are left out.
func partitionText(ctx context.Context, db *store.DB, g *generator, since time.Time) (text []byte, copies, stories int, err error) {
	// The store keeps milliseconds.
	items, err := db.ItemsSince(ctx, since.Truncate(time.Millisecond))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("bench: partition: %w", err)
	}
	groups := map[string][]string{}
	for _, it := range items {
		id := "s" + strconv.FormatInt(it.StoryID, 10)
		if it.StoryID == 0 {
			id = "i" + strconv.FormatInt(it.ID, 10)
		}
		for _, c := range it.Copies {
			f, i, ok := g.parseItemLink(c.Doc.URL)
			if !ok {
				continue
			}
			groups[id] = append(groups[id], strconv.Itoa(f)+"-"+strconv.Itoa(i))
			copies++
		}
	}
	lines := make([]string, 0, len(groups))
	for _, labels := range groups {
		slices.Sort(labels)
		lines = append(lines, strings.Join(labels, " "))
	}
	slices.Sort(lines)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# storywatch bench partition: %d feeds × %d items, %d copies in %d stories, one story a line\n",
		g.feeds, g.items, copies, len(lines))
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes(), copies, len(lines), nil
}

// checkPartition writes the partition of the cycle's items to file, or,
// when file exists, compares them with it.
func checkPartition(ctx context.Context, db *store.DB, g *generator, since time.Time, file string) (*Partition, error) {
	text, copies, stories, err := partitionText(ctx, db, g, since)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(text)
	p := &Partition{File: file, Copies: copies, Stories: stories, SHA256: hex.EncodeToString(sum[:])}
	old, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(file, text, 0o644); err != nil {
			return nil, fmt.Errorf("bench: partition: %w", err)
		}
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bench: partition: %w", err)
	}
	p.Compared, p.Same = true, bytes.Equal(old, text)
	if !p.Same {
		was := map[string]bool{}
		for _, l := range strings.Split(string(old), "\n") {
			was[l] = true
		}
		for _, l := range strings.Split(string(text), "\n")[1:] {
			if l != "" && !was[l] {
				p.Differing++
			}
		}
	}
	return p, nil
}

package match

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Term is a Match as the match and backtest commands print it as JSON:
// the match without the mark inside its snippet.
type Term struct {
	Term    string `json:"term"`
	Field   string `json:"field"`
	Snippet string `json:"snippet"`
	// Found and Variant explain a name variant (docs/matching.md).
	Found   string `json:"found,omitempty"`
	Variant string `json:"variant,omitempty"`
}

// Terms returns ms as Terms; it is never nil, so that JSON shows [].
func Terms(ms []Match) []Term {
	out := make([]Term, 0, len(ms))
	for _, m := range ms {
		out = append(out, Term{Term: m.Term, Field: m.Field, Snippet: m.Snippet, Found: m.Found, Variant: m.Variant})
	}
	return out
}

// ItemHits is one item of `storywatch match -json` with its hits.
type ItemHits struct {
	Source  string     `json:"source"`
	Key     string     `json:"key"`
	URL     string     `json:"url"`
	Title   string     `json:"title"`
	Watches []WatchHit `json:"watches"`
	// hits are the hits Watches shows, explained in full by WriteText.
	hits []Hit
}

// WatchHit is one watch's hit within an ItemHits.
type WatchHit struct {
	ID      string `json:"id"`
	Score   int    `json:"score"`
	Matches []Term `json:"matches"`
}

// NewItemHits returns the ItemHits of an item and its hits.
func NewItemHits(source, key, url, title string, hits []Hit) ItemHits {
	out := ItemHits{Source: source, Key: key, URL: url, Title: title, Watches: []WatchHit{}, hits: hits}
	for _, h := range hits {
		out.Watches = append(out.Watches, WatchHit{ID: h.Watch, Score: h.Score, Matches: Terms(h.Matches)})
	}
	return out
}

// WriteText writes the item as `storywatch match` prints it: its title on
// one line, its link, then one line per watch it hit with the score and
// each match explained, or "no match".
func (it ItemHits) WriteText(w io.Writer) error {
	hits := it.hits
	title := it.Title
	if title == "" {
		title = "(untitled)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", OneLine(title))
	if it.URL != "" {
		fmt.Fprintf(&b, "  %s\n", it.URL)
	}
	if len(hits) == 0 {
		b.WriteString("  no match\n")
	}
	for _, h := range hits {
		terms := make([]string, 0, len(h.Matches))
		for _, m := range h.Matches {
			terms = append(terms, fmt.Sprintf("%s (%s)", m.Explain(), m.Field))
		}
		fmt.Fprintf(&b, "  %s  score %d: %s\n", h.Watch, h.Score, strings.Join(terms, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// OneLine returns s with every run of white space, line breaks included,
// made one space, so that a message or title stays on one line.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Write writes the item as one line of JSON when asJSON, else as text
// (WriteText).
func (it ItemHits) Write(w io.Writer, asJSON bool) error {
	if !asJSON {
		return it.WriteText(w)
	}
	line, err := json.Marshal(it)
	if err == nil {
		_, err = fmt.Fprintf(w, "%s\n", line)
	}
	return err
}

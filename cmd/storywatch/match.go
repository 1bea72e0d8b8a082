package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/storywatch/storywatch/daemon"
	"github.com/storywatch/storywatch/feed"
	"github.com/storywatch/storywatch/match"
)

// Limits for fetching a URL source when the config does not set them.
const (
	matchTimeout = 20 * time.Second
	matchMaxBody = 8 << 20
)

// matchOutput is one line of `match -json` (README.md, "Commands").
type matchOutput struct {
	Source  string       `json:"source"`
	Key     string       `json:"key"`
	URL     string       `json:"url"`
	Title   string       `json:"title"`
	Watches []matchWatch `json:"watches"`
}

type matchWatch struct {
	ID      string      `json:"id"`
	Score   int         `json:"score"`
	Matches []matchTerm `json:"matches"`
}

type matchTerm struct {
	Term    string `json:"term"`
	Field   string `json:"field"`
	Snippet string `json:"snippet"`
	// Found and Variant explain a name variant (docs/matching.md).
	Found   string `json:"found,omitempty"`
	Variant string `json:"variant,omitempty"`
}

// matchRun holds what every source of one `match` invocation shares.
type matchRun struct {
	a       *app
	m       *match.Matcher
	client  *http.Client
	maxBody int64
	agent   string
	all     bool
	json    bool
	text    bool
}

// cmdMatch runs the watchlist over feed files, URLs or stdin without a
// database. A source that cannot be read or parsed is reported on stderr
// and skipped; the command then fails at the end.
func cmdMatch(a *app, args []string) error {
	fs := a.flags("match")
	all := fs.Bool("all", false, "print every item, not only those that match")
	asJSON := fs.Bool("json", false, "print one JSON object per item")
	asText := fs.Bool("text", false, "treat each source as one plain-text document")
	fs.Usage = func() {
		fmt.Fprintln(a.stderr, "usage: storywatch match [-all] [-json] [-text] SOURCE…  (files, http(s) URLs or - for stdin)")
		fs.PrintDefaults()
	}
	sources, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		return usagef("match: no source given (feed files, http(s) URLs or - for stdin)")
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	m, err := match.Compile(daemon.Watchlist(cfg))
	if err != nil {
		return fmt.Errorf("match: compile watchlist: %w", err)
	}
	r := &matchRun{a: a, m: m, all: *all, json: *asJSON, text: *asText,
		client: &http.Client{Timeout: matchTimeout}, maxBody: matchMaxBody,
		agent: "storywatch/" + version}
	if cfg.Poll.Timeout > 0 {
		r.client.Timeout = cfg.Poll.Timeout
	}
	if cfg.Poll.MaxBody > 0 {
		r.maxBody = cfg.Poll.MaxBody
	}
	if cfg.Poll.UserAgent != "" {
		r.agent = strings.ReplaceAll(cfg.Poll.UserAgent, "VERSION", version)
	}

	failed := 0
	for _, src := range sources {
		if err := a.ctx.Err(); err != nil {
			return fmt.Errorf("match: %w", err)
		}
		if err := r.source(src); err != nil {
			fmt.Fprintln(a.stderr, "storywatch: match:", matchLine(err.Error()))
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("match: %d of %d sources failed", failed, len(sources))
	}
	return nil
}

// source reads, parses, matches and prints one source.
func (r *matchRun) source(src string) error {
	data, contentType, err := r.read(src)
	if err != nil {
		return err
	}
	var items []feed.Item
	if r.text {
		items = []feed.Item{textItem(src, data, contentType)}
	} else {
		feed, err := feed.Parse(data, contentType, src)
		if err != nil {
			return err
		}
		items = feed.Items
	}
	for _, it := range items {
		hits := r.m.Match(it.Document())
		if len(hits) == 0 && !r.all {
			continue
		}
		if err := r.print(src, it, hits); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	return nil
}

// read returns the bytes of a source and, for URLs, its Content-Type.
func (r *matchRun) read(src string) ([]byte, string, error) {
	switch {
	case src == "-":
		data, err := io.ReadAll(io.LimitReader(r.a.stdin, r.maxBody+1))
		if err != nil {
			return nil, "", fmt.Errorf("read stdin: %w", err)
		}
		if int64(len(data)) > r.maxBody {
			return nil, "", fmt.Errorf("read stdin: more than %d bytes", r.maxBody)
		}
		return data, "", nil
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		return r.fetch(src)
	default:
		data, err := os.ReadFile(src)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, "", fmt.Errorf("read %s: %w", src, err)
		}
		return data, "", nil
	}
}

func (r *matchRun) fetch(src string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(r.a.ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", src, err)
	}
	req.Header.Set("User-Agent", r.agent)
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", src, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, "", fmt.Errorf("fetch %s: HTTP %s", src, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, r.maxBody+1))
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: read body: %w", src, err)
	}
	if int64(len(data)) > r.maxBody {
		return nil, "", fmt.Errorf("fetch %s: body larger than %d bytes", src, r.maxBody)
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// textItem makes one item of a plain-text (or HTML) source for -text: the
// text is the item's content, so that it is searched like an article body.
func textItem(src string, data []byte, contentType string) feed.Item {
	text := string(bytes.ToValidUTF8(data, []byte("\uFFFD")))
	trimmed := strings.TrimSpace(text)
	if strings.Contains(contentType, "html") || strings.HasPrefix(trimmed, "<") {
		text = feed.PlainText(text)
	} else {
		text = trimmed
	}
	it := feed.Item{Key: feed.HashKey("", text), Content: text}
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		it.URL = src
		it.CanonicalURL = feed.Canonical(src)
	}
	return it
}

func (r *matchRun) print(src string, it feed.Item, hits []match.Hit) error {
	if r.json {
		out := matchOutput{Source: src, Key: it.Key, URL: it.URL, Title: it.Title, Watches: []matchWatch{}}
		for _, h := range hits {
			w := matchWatch{ID: h.Watch, Score: h.Score, Matches: []matchTerm{}}
			for _, m := range h.Matches {
				w.Matches = append(w.Matches, matchTerm{Term: m.Term, Field: m.Field, Snippet: m.Snippet, Found: m.Found, Variant: m.Variant})
			}
			out.Watches = append(out.Watches, w)
		}
		line, err := json.Marshal(out)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(r.a.stdout, "%s\n", line)
		return err
	}
	title := it.Title
	if title == "" {
		title = "(untitled)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", matchLine(title))
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
	_, err := io.WriteString(r.a.stdout, b.String())
	return err
}

// matchLine keeps a message or title on one line.
func matchLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

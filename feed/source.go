package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/storywatch/storywatch/match"
)

// Source reads the sources of `storywatch match`: a file, an http(s) URL
// or "-" for its standard input, each at most MaxBody bytes.
type Source struct {
	Client    *http.Client
	UserAgent string
	MaxBody   int64
	Stdin     io.Reader
}

// Items reads src and returns its items: the items of the feed it holds,
// or, when asText, one item whose content is its whole text (TextItem).
func (s *Source) Items(ctx context.Context, src string, asText bool) ([]Item, error) {
	data, contentType, err := s.Read(ctx, src)
	if err != nil {
		return nil, err
	}
	if asText {
		return []Item{TextItem(src, data, contentType)}, nil
	}
	f, err := Parse(data, contentType, src)
	if err != nil {
		return nil, err
	}
	return f.Items, nil
}

// Read returns the bytes of src and, for a URL, its Content-Type.
func (s *Source) Read(ctx context.Context, src string) ([]byte, string, error) {
	switch {
	case src == "-":
		data, err := io.ReadAll(io.LimitReader(s.Stdin, s.MaxBody+1))
		if err != nil {
			return nil, "", fmt.Errorf("read stdin: %w", err)
		}
		if int64(len(data)) > s.MaxBody {
			return nil, "", fmt.Errorf("read stdin: more than %d bytes", s.MaxBody)
		}
		return data, "", nil
	case isHTTP(src):
		return s.fetch(ctx, src)
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

func (s *Source) fetch(ctx context.Context, src string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", src, err)
	}
	req.Header.Set("User-Agent", s.UserAgent)
	resp, err := s.Client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", src, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, "", fmt.Errorf("fetch %s: HTTP %s", src, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, s.MaxBody+1))
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: read body: %w", src, err)
	}
	if int64(len(data)) > s.MaxBody {
		return nil, "", fmt.Errorf("fetch %s: body larger than %d bytes", src, s.MaxBody)
	}
	return data, resp.Header.Get("Content-Type"), nil
}

func isHTTP(src string) bool {
	return strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
}

// TextItem makes one item of a plain-text (or HTML) source: the text is
// the item's content, so that it is searched like an article body.
func TextItem(src string, data []byte, contentType string) Item {
	text := string(bytes.ToValidUTF8(data, []byte("\uFFFD")))
	trimmed := strings.TrimSpace(text)
	if strings.Contains(contentType, "html") || strings.HasPrefix(trimmed, "<") {
		text = PlainText(text)
	} else {
		text = trimmed
	}
	it := Item{Key: HashKey("", text), Content: text}
	if isHTTP(src) {
		it.URL = src
		it.CanonicalURL = Canonical(src)
	}
	return it
}

// Match reads src (Items) and returns its items that m finds hits in, or
// every item when all, each with its hits.
func (s *Source) Match(ctx context.Context, src string, m *match.Matcher, asText, all bool) ([]match.ItemHits, error) {
	items, err := s.Items(ctx, src, asText)
	if err != nil {
		return nil, err
	}
	var out []match.ItemHits
	for _, it := range items {
		if hits := m.Match(it.Document()); len(hits) > 0 || all {
			out = append(out, match.NewItemHits(src, it.Key, it.URL, it.Title, hits))
		}
	}
	return out, nil
}

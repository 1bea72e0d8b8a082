package notify

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/storywatch/storywatch/match"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var (
	textTmpl = texttemplate.Must(texttemplate.New("digest.txt.tmpl").Funcs(texttemplate.FuncMap{
		"date":   formatDate,
		"marked": markedText,
		"join":   strings.Join,
		"add1":   func(i int) int { return i + 1 },
		"score":  scoreText,
	}).ParseFS(templateFS, "templates/digest.txt.tmpl"))
	chatTmpl = texttemplate.Must(texttemplate.New("chat.txt.tmpl").Funcs(texttemplate.FuncMap{
		"join":    strings.Join,
		"chat":    chatText,
		"chatURL": chatURL,
	}).ParseFS(templateFS, "templates/chat.txt.tmpl"))
	// The HTML template never turns feed text into template.HTML: html/template
	// escapes every value, and snippets are split around the mark so that the
	// <mark> element comes from the template, not from the feed.
	htmlTmpl = htmltemplate.Must(htmltemplate.New("digest.html.tmpl").Funcs(htmltemplate.FuncMap{
		"date":  formatDate,
		"parts": splitMark,
		"join":  strings.Join,
		"score": scoreText,
	}).ParseFS(templateFS, "templates/digest.html.tmpl"))
)

// Rendered is a digest in every form the senders need.
type Rendered struct {
	// DigestID identifies the digest; with a notifier id it makes the
	// idempotency key of a delivery.
	DigestID string
	// Name is the digest's config id.
	Name        string
	GeneratedAt time.Time
	Subject     string
	Text        string
	// HTML refers to Images by Content-ID ("cid:…"), for email.
	HTML string
	// FileHTML refers to Images by their file names, for the file notifier.
	FileHTML string
	JSON     []byte
	// Chat is the short text for chat services.
	Chat   string
	Images []Image
	// Stories counts the new stories over all watches.
	Stories int
}

// Image is a PNG chart shown in the HTML rendering.
type Image struct {
	// ContentID is the Content-ID the HTML refers to ("cid:…"), without
	// the angle brackets of the header; it names the digest, so it is
	// unique per digest (the email sender makes it unique per message).
	ContentID string
	// Filename is its file name, also used beside the file notifier's HTML.
	Filename string
	PNG      []byte
}

// BaseName returns the file name stem of a digest's files:
// "<digest>-<timestamp>-<suffix>", the suffix being the random end of the
// digest id, so that two digests of one name built in the same second do
// not replace each other's files.
func (r *Rendered) BaseName() string {
	base := SafeName(r.Name) + "-" + r.GeneratedAt.UTC().Format("20060102T150405Z")
	suffix := r.DigestID
	if i := strings.LastIndexByte(suffix, '-'); i >= 0 {
		suffix = suffix[i+1:]
	}
	if suffix == "" {
		return base
	}
	return base + "-" + SafeName(suffix)
}

type htmlSection struct {
	Section
	// Src is built from sanitized ids only, never from feed text; it is
	// typed as a URL because html/template rejects the cid: scheme.
	Src htmltemplate.URL
	Alt string
	// Shown are the stories the HTML shows: all of them, unless the HTML
	// would pass htmlBudget (fit.go).
	Shown []Story
	// Rest counts the stories not shown: cut by max_stories or left out
	// of the HTML.
	Rest int
}

type view struct {
	*Digest
	Loc      *time.Location
	Subject  string
	Sections []htmlSection
	Stories  int
	titles   map[string]string
}

// AlsoTitles names the watches of ids by their titles, for "also: …".
func (v view) AlsoTitles(ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id
		if t := v.titles[id]; t != "" {
			names[i] = t
		}
	}
	return strings.Join(names, ", ")
}

// Render renders d in every form. It is deterministic: the same digest gives
// the same bytes.
func Render(d *Digest) (*Rendered, error) {
	d = sanitized(d)
	r := &Rendered{DigestID: d.ID, Name: d.Name, GeneratedAt: d.GeneratedAt}
	r.Stories = countStories(d)
	r.Subject = subject(d, r.Stories)
	v := view{Digest: d, Loc: d.Location(), Subject: r.Subject, Stories: r.Stories, titles: map[string]string{}}
	for _, s := range d.Watches {
		v.titles[s.ID] = s.Title
	}

	base := r.BaseName()
	var fileSections []htmlSection
	for _, s := range d.Watches {
		png, err := Chart(s.Daily)
		if err != nil {
			return nil, fmt.Errorf("render digest %s: chart %s: %w", d.ID, s.ID, err)
		}
		img := Image{
			ContentID: "chart-" + SafeName(s.ID) + "." + SafeName(d.ID) + "@storywatch",
			Filename:  base + "-" + SafeName(s.ID) + ".png",
			PNG:       png,
		}
		r.Images = append(r.Images, img)
		alt := ChartAlt(s.Daily)
		v.Sections = append(v.Sections, htmlSection{Section: s, Src: htmltemplate.URL("cid:" + img.ContentID), Alt: alt, Shown: s.Stories, Rest: s.More})
		fileSections = append(fileSections, htmlSection{Section: s, Src: htmltemplate.URL(img.Filename), Alt: alt, Shown: s.Stories, Rest: s.More})
	}

	var buf bytes.Buffer
	if err := textTmpl.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render digest %s as text: %w", d.ID, err)
	}
	r.Text = buf.String()

	html, keep, err := fitHTML(v, htmlBudget)
	if err != nil {
		return nil, fmt.Errorf("render digest %s as HTML: %w", d.ID, err)
	}
	r.HTML = html
	fv := v
	fv.Sections = shown(fileSections, keep)
	if r.FileHTML, err = renderHTML(fv); err != nil {
		return nil, fmt.Errorf("render digest %s as HTML: %w", d.ID, err)
	}

	buf.Reset()
	if err := chatTmpl.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render digest %s as chat text: %w", d.ID, err)
	}
	r.Chat = strings.TrimSpace(buf.String())

	js, err := renderJSON(d)
	if err != nil {
		return nil, fmt.Errorf("render digest %s as JSON: %w", d.ID, err)
	}
	r.JSON = js
	return r, nil
}

// countStories counts the digest's stories, shown or cut: each is listed
// under one watch, so the sections' totals add up.
func countStories(d *Digest) int {
	n := 0
	for _, s := range d.Watches {
		n += s.Total()
	}
	return n
}

// scoreText shows a score with what it stands for, e.g. "score 3 (2
// terms, 1 in the title)": 1 per distinct term or actor matched, 2 when it
// matched in the title. Without a count of terms (hits stored before it
// was kept) the score stands alone.
func scoreText(score, terms int) string {
	out := fmt.Sprintf("score %d", score)
	inTitle := score - terms
	switch {
	case terms <= 0 || inTitle < 0 || inTitle > terms:
		return out
	case terms == 1 && inTitle == 1:
		return out + " (1 term, in the title)"
	case terms == 1:
		return out + " (1 term)"
	case inTitle == 0:
		return out + fmt.Sprintf(" (%d terms)", terms)
	case inTitle == terms:
		return out + fmt.Sprintf(" (%d terms, all in the title)", terms)
	}
	return out + fmt.Sprintf(" (%d terms, %d in the title)", terms, inTitle)
}

// subject names the digest and its counts, each story counted once under
// the watch it is listed under:
// "[storywatch] morning: 3 new stories (call-leak 2, peace-plan 1)".
func subject(d *Digest, stories int) string {
	noun := "stories"
	if stories == 1 {
		noun = "story"
	}
	var parts []string
	for _, s := range d.Watches {
		if n := s.Total(); n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s.ID, n))
		}
	}
	subj := fmt.Sprintf("[storywatch] %s: %d new %s", d.Name, stories, noun)
	if len(parts) > 0 {
		subj += " (" + strings.Join(parts, ", ") + ")"
	}
	return subj
}

func formatDate(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// markParts is a snippet split around its marked match.
type markParts struct {
	Before, Mark, After string
}

// splitMark splits a snippet at its mark. A mark out of range or not on
// character boundaries is ignored rather than trusted.
func splitMark(snippet string, mark [2]int) markParts {
	before, marked, after := match.Match{Snippet: snippet, Mark: mark}.Split()
	return markParts{Before: before, Mark: marked, After: after}
}

// markedText shows the mark in plain text as »match«.
func markedText(snippet string, mark [2]int) string {
	p := splitMark(snippet, mark)
	if p.Mark == "" {
		return clean(p.Before)
	}
	return clean(p.Before + "»" + p.Mark + "«" + p.After)
}

// chatMarkup maps what chat services read as markup in plain message text
// to look-alikes: Slack's <!channel> and <url|text>, the emphasis, link and
// code marks of Slack, Discord, Teams and Telegram's Markdown. Look-alikes,
// not backslashes, because Slack has no escape and would show them.
var chatMarkup = strings.NewReplacer(
	"<", "‹", ">", "›",
	"*", "∗", "_", "＿", "~", "∼", "`", "ˋ",
	"[", "［", "]", "］",
)

// chatMention finds the mentions that notify a whole channel or server.
var chatMention = regexp.MustCompile(`(?i)@(everyone|here|channel)`)

// MaxChatText is the most characters of one title or outlet list in a chat
// message; longer ones end in "…". A chat message is read at a glance, and
// the chat senders cut whole messages to their services' limits.
const MaxChatText = 300

// chatText neutralises feed text for a chat message: no markup, no
// channel-wide mention (a zero-width space after the @, as Discord's own
// libraries do), at most MaxChatText characters, and the text stays
// readable.
func chatText(s string) string {
	if utf8.RuneCountInString(s) > MaxChatText {
		s = string([]rune(s)[:MaxChatText-1]) + "…"
	}
	return chatMention.ReplaceAllString(chatMarkup.Replace(s), "@\u200b$1")
}

// chatURL percent-encodes the characters that would end a link or start
// markup in a chat message; none of them is valid in a URL anyway.
func chatURL(s string) string {
	return strings.NewReplacer("<", "%3C", ">", "%3E", "|", "%7C", " ", "%20", "`", "%60").Replace(s)
}

// SafeName keeps the letters, digits, '-' and '_' of s and replaces every
// other character by '_', so that an id can be used in a file name, a
// Content-ID or a Message-ID.
func SafeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// The JSON rendering, version 2 (docs/webhook.md, docs/webhook.schema.json).
// Unknown times are null.
type jsonDigest struct {
	Version     int           `json:"version"`
	ID          string        `json:"id"`
	Digest      string        `json:"digest"`
	GeneratedAt string        `json:"generated_at"`
	Watches     []jsonSection `json:"watches"`
}

type jsonSection struct {
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	Stories []jsonStory `json:"stories"`
	// More counts the stories cut by max_stories ("… and N more").
	More int `json:"more"`
}

type jsonStory struct {
	ID        string      `json:"id"`
	Title     string      `json:"title"`
	URL       string      `json:"url"`
	FirstSeen *string     `json:"first_seen"`
	Published *string     `json:"published"`
	Outlets   []string    `json:"outlets"`
	Score     int         `json:"score"`
	Also      []string    `json:"also"`
	Matches   []jsonMatch `json:"matches"`
}

type jsonMatch struct {
	Term    string `json:"term"`
	Field   string `json:"field"`
	Snippet string `json:"snippet"`
	// Found and Variant explain a name variant (docs/matching.md).
	Found   string `json:"found,omitempty"`
	Variant string `json:"variant,omitempty"`
}

func jsonTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func renderJSON(d *Digest) ([]byte, error) {
	out := jsonDigest{Version: DigestVersion, ID: d.ID, Digest: d.Name,
		GeneratedAt: d.GeneratedAt.UTC().Format(time.RFC3339), Watches: []jsonSection{}}
	for _, s := range d.Watches {
		js := jsonSection{ID: s.ID, Title: s.Title, Stories: []jsonStory{}, More: s.More}
		for _, st := range s.Stories {
			outlets, also := st.Outlets, st.Also
			if outlets == nil {
				outlets = []string{}
			}
			if also == nil {
				also = []string{}
			}
			jst := jsonStory{ID: st.ID, Title: st.Title, URL: st.URL,
				FirstSeen: jsonTime(st.FirstSeen), Published: jsonTime(st.Published),
				Outlets: outlets, Score: st.Score, Also: also, Matches: []jsonMatch{}}
			for _, m := range st.Matches {
				jst.Matches = append(jst.Matches, jsonMatch{Term: m.Term, Field: m.Field, Snippet: m.Snippet, Found: m.Found, Variant: m.Variant})
			}
			js.Stories = append(js.Stories, jst)
		}
		out.Watches = append(out.Watches, js)
	}
	return json.Marshal(out)
}

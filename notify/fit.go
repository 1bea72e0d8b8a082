package notify

import (
	"bytes"
	"cmp"
	"mime/quotedprintable"
	"slices"
)

// htmlBudget bounds the HTML part of a digest email as it travels
// (quoted-printable). Gmail clips a message whose HTML passes about
// 102 KB and hides the rest behind a link; the budget leaves room for
// the headers and the text part. A digest that does not fit shows its
// best-ranked stories and says "… and N more" per watch.
const htmlBudget = 90_000

// fitHTML renders the HTML of v with as many stories as fit in budget,
// best scores first. It returns the HTML and how many stories it shows
// (-1 for all).
func fitHTML(v view, budget int) (string, int, error) {
	html, err := renderHTML(v)
	if err != nil || encodedLen(html) <= budget {
		return html, -1, err
	}
	total := 0
	for _, s := range v.Sections {
		total += len(s.Shown)
	}
	// The size grows with every story shown: find the most that fit.
	lo, hi := 0, total-1
	best := ""
	for lo <= hi {
		mid := (lo + hi) / 2
		t := v
		t.Sections = shown(v.Sections, mid)
		h, err := renderHTML(t)
		if err != nil {
			return "", 0, err
		}
		if encodedLen(h) <= budget {
			best, lo = h, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best == "" {
		// Not even the digest without stories fits: send it anyway.
		t := v
		t.Sections = shown(v.Sections, 0)
		best, err = renderHTML(t)
		return best, 0, err
	}
	return best, hi, nil
}

// shown returns sections keeping only the keep best-scoring stories over
// all of them (ties: the earlier section, then the section's own order);
// the others are counted in Rest. keep < 0 keeps every story.
func shown(sections []htmlSection, keep int) []htmlSection {
	if keep < 0 {
		return sections
	}
	type pos struct{ section, story, score int }
	var all []pos
	for i, s := range sections {
		for j, st := range s.Shown {
			all = append(all, pos{i, j, st.Score})
		}
	}
	slices.SortStableFunc(all, func(a, b pos) int { return cmp.Compare(b.score, a.score) })
	kept := map[[2]int]bool{}
	for _, p := range all[:min(keep, len(all))] {
		kept[[2]int{p.section, p.story}] = true
	}
	out := make([]htmlSection, len(sections))
	for i, s := range sections {
		out[i] = s
		out[i].Shown = nil
		for j, st := range s.Shown {
			if kept[[2]int{i, j}] {
				out[i].Shown = append(out[i].Shown, st)
			} else {
				out[i].Rest++
			}
		}
	}
	return out
}

func renderHTML(v view) (string, error) {
	var buf bytes.Buffer
	if err := htmlTmpl.Execute(&buf, v); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// encodedLen returns the length of s encoded as quoted-printable, as the
// email sender writes it.
func encodedLen(s string) int {
	var n countWriter
	w := quotedprintable.NewWriter(&n)
	w.Write([]byte(s))
	w.Close()
	return int(n)
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

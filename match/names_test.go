package match

import (
	"bufio"
	"compress/gzip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The measurements of docs/matching.md ("Measured"). Each test logs its
// figures (go test -run 'Figure|Surname|FrequentWord' -v ./match/) and
// fails when a target of docs/matching.md is missed.

// readTSV returns the rows of a tab-separated testdata file, without its
// comment lines.
func readTSV(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows
}

type figureSpelling struct{ alias, lang, spelling string }

func figures(t *testing.T) (aliases []string, spellings []figureSpelling) {
	seen := map[string]bool{}
	for _, r := range readTSV(t, filepath.Join("testdata", "names", "figures.tsv")) {
		if !seen[r[0]] {
			seen[r[0]] = true
			aliases = append(aliases, r[0])
		}
		spellings = append(spellings, figureSpelling{r[0], r[1], r[2]})
	}
	return aliases, spellings
}

func actorsOf(aliases []string) Watchlist {
	var w Watchlist
	for _, a := range aliases {
		w.Actors = append(w.Actors, Actor{ID: a, Aliases: []string{a}, Track: true})
	}
	return w
}

// TestFigureSpellings: every public figure is one actor written once (its
// English surname); each of its spellings, alone in a text, must be a hit
// for it, and for no other figure.
func TestFigureSpellings(t *testing.T) {
	t.Parallel()
	aliases, spellings := figures(t)
	m := mustCompile(t, actorsOf(aliases))
	found, confused := 0, 0
	var missed []string
	for _, s := range spellings {
		hits := m.Match(Document{Content: "— " + s.spelling + " —"})
		ok := false
		for _, h := range hits {
			if h.Watch == s.alias {
				ok = true
			} else {
				confused++
				t.Logf("%s (%s) is also a hit for %s", s.spelling, s.lang, h.Watch)
			}
		}
		if ok {
			found++
		} else {
			missed = append(missed, s.spelling+" ("+s.lang+", "+s.alias+")")
		}
	}
	rate := float64(found) / float64(len(spellings))
	t.Logf("figures: %d public figures, %d spellings: %d found (%.1f %%), %d missed, %d hits for another figure",
		len(aliases), len(spellings), found, 100*rate, len(missed), confused)
	t.Logf("missed: %s", strings.Join(missed, ", "))
	if rate < 0.95 {
		t.Errorf("found %.1f %% of the spellings, want at least 95 %%", 100*rate)
	}
	if confused > len(spellings)/100 {
		t.Errorf("%d spellings are hits for another figure, want at most 1 %%", confused)
	}
}

// TestFigureSpellingsExact checks the same table with variants: exact: only
// what transliteration alone gives is found, so the variants are what finds
// the rest.
func TestFigureSpellingsExact(t *testing.T) {
	t.Parallel()
	aliases, spellings := figures(t)
	w := actorsOf(aliases)
	for i := range w.Actors {
		w.Actors[i].Exact = true
	}
	m := mustCompile(t, w)
	found := 0
	for _, s := range spellings {
		for _, h := range m.Match(Document{Content: s.spelling}) {
			if h.Watch == s.alias {
				found++
			}
		}
	}
	t.Logf("figures with variants: exact: %d of %d spellings found (%.1f %%)", found, len(spellings), 100*float64(found)/float64(len(spellings)))
	if found*2 > len(spellings) {
		t.Errorf("exact aliases found %d of %d spellings: the table does not measure the variants", found, len(spellings))
	}
}

// TestSurnameCollisions measures how often two distinct surnames collide:
// a pair {a, b} collides when an actor whose only alias is a finds the
// text b, or the actor b finds a. The rate is colliding pairs over all
// pairs, at most 0.5 % (docs/matching.md).
func TestSurnameCollisions(t *testing.T) {
	t.Parallel()
	rows := readTSV(t, filepath.Join("testdata", "names", "surnames.tsv"))
	var names []string
	for _, r := range rows {
		names = append(names, r[1])
	}
	var w Watchlist
	for i, n := range names {
		w.Actors = append(w.Actors, Actor{ID: "n" + itoa(i), Aliases: []string{n}, Track: true})
	}
	m := mustCompile(t, w)
	index := map[string]int{}
	for i := range names {
		index["n"+itoa(i)] = i
	}
	pairs := map[[2]int]string{}
	involved := map[int]bool{}
	crossScript := 0
	for i, n := range names {
		for _, h := range m.Match(Document{Content: n}) {
			j := index[h.Watch]
			if j == i {
				continue
			}
			p := [2]int{min(i, j), max(i, j)}
			if _, dup := pairs[p]; dup {
				continue
			}
			kind := h.Matches[0].Variant
			if kind == "" {
				kind = "transliteration"
			}
			pairs[p] = kind
			involved[i], involved[j] = true, true
			if hasNonLatin(names[i]) != hasNonLatin(names[j]) {
				crossScript++
			}
		}
	}
	all := len(names) * (len(names) - 1) / 2
	rate := float64(len(pairs)) / float64(all)
	byKind := map[string]int{}
	var list []string
	for p, k := range pairs {
		byKind[k]++
		list = append(list, names[p[0]]+"~"+names[p[1]]+" ("+k+")")
	}
	sort.Strings(list)
	t.Logf("surnames: %d distinct, %d pairs: %d colliding (%.4f %%), %d names in a colliding pair (%.1f %%), %d pairs across scripts; by kind %v",
		len(names), all, len(pairs), 100*rate, len(involved), 100*float64(len(involved))/float64(len(names)), crossScript, byKind)
	t.Logf("colliding pairs: %s", strings.Join(list, ", "))
	if rate > 0.005 {
		t.Errorf("%.3f %% of the pairs collide, want at most 0.5 %%", 100*rate)
	}
}

func hasNonLatin(s string) bool {
	_, nonLatin := appendKey(nil, s)
	return nonLatin
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

func capitalize(w string) string {
	r, size := utf8.DecodeRuneInString(w)
	return string(unicode.ToUpper(r)) + w[size:]
}

// readWords returns the words of testdata/words/LANG.txt.gz.
func readWords(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	sc := bufio.NewScanner(z)
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			words = append(words, w)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return words
}

// TestFrequentWordFalseMatches measures, for each language, how many of
// its 10,000 most frequent words, capitalized, a name variant matches: with the public
// figures of figures.tsv as actors, at most 1 % of the words of every
// language may be a hit. The surnames of surnames.tsv are measured too,
// counting only hits through a variant (a surname that is a word, like
// Koch or Baker, matches it as written with or without variants).
func TestFrequentWordFalseMatches(t *testing.T) {
	t.Parallel()
	aliases, _ := figures(t)
	figs := mustCompile(t, actorsOf(aliases))
	var sw Watchlist
	for i, r := range readTSV(t, filepath.Join("testdata", "names", "surnames.tsv")) {
		sw.Actors = append(sw.Actors, Actor{ID: "n" + itoa(i), Aliases: []string{r[1]}, Track: true})
	}
	surnames := mustCompile(t, sw)
	files, err := filepath.Glob(filepath.Join("testdata", "words", "*.txt.gz"))
	if err != nil || len(files) < 20 {
		t.Fatalf("word lists: %v (%d files)", err, len(files))
	}
	worst, worstSurnames := 0.0, 0.0
	for _, file := range files {
		lang := strings.TrimSuffix(filepath.Base(file), ".txt.gz")
		words := readWords(t, file)
		var hit []string
		surnameHits := 0
		for _, w := range words {
			// Capitalized, as at the start of a sentence: only capitalized
			// words can be name variants.
			w = capitalize(w)
			if len(figs.Match(Document{Content: w})) > 0 {
				hit = append(hit, w)
			}
			for _, h := range surnames.Match(Document{Content: w}) {
				if h.Matches[0].Variant != "" {
					surnameHits++
					break
				}
			}
		}
		rate := float64(len(hit)) / float64(len(words))
		srate := float64(surnameHits) / float64(len(words))
		worst, worstSurnames = max(worst, rate), max(worstSurnames, srate)
		t.Logf("%-10s %5d words: %3d hits of a figure (%.2f %%) %s; %4d hits of a surname's variant (%.2f %%)",
			lang, len(words), len(hit), 100*rate, strings.Join(hit, " "), surnameHits, 100*srate)
		if rate > 0.01 {
			t.Errorf("%s: %.2f %% of the frequent words are hits, want at most 1 %%", lang, 100*rate)
		}
	}
	t.Logf("worst language: %.2f %% of its words hit a figure; %.2f %% hit a surname's variant", 100*worst, 100*worstSurnames)
}

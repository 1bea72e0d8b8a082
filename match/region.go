package match

import (
	"sort"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// RegionNames returns the names of an ISO 3166 region (IT, DE, US) in
// every language that CLDR, as carried by golang.org/x/text, knows, each
// once, sorted; nil when the code names no region. Names of other kinds
// of region (continents: 150 for Europe) are included too.
func RegionNames(code string) []string {
	r, err := language.ParseRegion(strings.TrimSpace(code))
	if err != nil || !strings.EqualFold(r.String(), strings.TrimSpace(code)) {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		if name == "" {
			return
		}
		k := Normalize(name)
		if k == "" || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, name)
	}
	add(display.English.Regions().Name(r))
	if len(out) == 0 {
		return nil // a code CLDR has no name for (XY, private use)
	}
	for _, t := range display.Supported.Tags() {
		if n := display.Regions(t); n != nil {
			add(n.Name(r))
		}
	}
	sort.Strings(out[1:])
	return out
}

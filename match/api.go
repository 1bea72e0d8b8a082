package match

// Field names one searchable part of an item.
type Field uint8

// The searchable fields of an item (docs/config.md).
const (
	FieldTitle Field = iota
	FieldSummary
	FieldContent
	FieldAuthor
	FieldCategory
	FieldURL
)

var fieldNames = [...]string{"title", "summary", "content", "author", "category", "url"}

// String returns the field's name as written in queries.
func (f Field) String() string {
	if int(f) < len(fieldNames) {
		return fieldNames[f]
	}
	return "unknown"
}

// Document is the text of one item, already stripped of markup.
type Document struct {
	Title    string
	Summary  string
	Content  string
	Author   string
	Category string
	URL      string
}

// Actor is a person or organisation known by a set of aliases.
type Actor struct {
	ID      string
	Name    string
	Aliases []string
	// Exact turns name variants off for every alias: each matches as
	// written (docs/matching.md).
	Exact bool
	// ExactAliases are aliases, also listed in Aliases, that match as
	// written while the others have variants.
	ExactAliases []string
	// Region is an ISO 3166 region code (IT, DE, US): the actor then also
	// matches the region's names in every language CLDR knows.
	Region string
	// Track makes the actor a watch of its own; when false it is only a
	// building block for storyline queries.
	Track bool
}

// Storyline is a watch defined by a query.
type Storyline struct {
	ID    string
	Title string
	Query string
}

// Watchlist is everything a Matcher is compiled from.
type Watchlist struct {
	Actors     []Actor
	Storylines []Storyline
}

// Watch describes one compiled watch.
type Watch struct {
	ID    string
	Title string
	// Kind is "actor" or "storyline".
	Kind string
}

// Hit says that a document satisfies a watch, and why.
type Hit struct {
	Watch string `json:"id"`
	Score int    `json:"score"`
	// Terms counts the distinct terms and actors that matched; Score is
	// Terms plus the number of them found in the title (which count
	// double). Readers are shown it as "2 terms, 1 in the title".
	Terms   int     `json:"-"`
	Matches []Match `json:"matches"`
}

// Match is one piece of evidence for a hit: an alias or query term, the field
// it was found in and a snippet of about 160 characters around its first
// occurrence there.
type Match struct {
	Term    string `json:"term"`
	Field   string `json:"field"`
	Snippet string `json:"snippet"`
	// Mark is the byte range [start, end) of the match inside Snippet.
	Mark [2]int `json:"mark"`
	// Found is the text that matched, and Variant says how it differs
	// from Term when it is a name variant: "spelling", "inflection",
	// "region", or several of them joined by ", ". Both are empty when
	// the text is the term as written.
	Found   string `json:"found,omitempty"`
	Variant string `json:"variant,omitempty"`
}

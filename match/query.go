package match

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SyntaxError reports a query that cannot be parsed.
type SyntaxError struct {
	// Offset counts characters (runes, from 0) into the query.
	Offset int
	// Msg says what is wrong, e.g. `unbalanced parenthesis`.
	Msg string
	// Found describes what was found instead of what Msg expected, e.g.
	// `"OR"` or `end of query`; it is empty when there is nothing to add.
	Found string
	// Hint says how to fix the query; it is empty when the message says it.
	Hint string
}

// Error returns the message followed by the offset and what was found, e.g.
// "unbalanced parenthesis at offset 17" or
// `expected a term or "(" at offset 9, found "OR"`.
func (e *SyntaxError) Error() string {
	s := e.Msg + " at offset " + strconv.Itoa(e.Offset)
	if e.Found != "" {
		s += ", found " + e.Found
	}
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// Query is a parsed storyline query (docs/config.md).
type Query struct {
	src    string
	root   *node
	actors []string
}

// String returns the query text as it was parsed.
func (q *Query) String() string { return q.src }

// Actors returns the ids of the actors the query references with @, each once,
// in order of first appearance.
func (q *Query) Actors() []string {
	return append([]string(nil), q.actors...)
}

type nodeKind uint8

const (
	nodeOr nodeKind = iota
	nodeAnd
	nodeNot
	nodeNear
	nodeField
	nodeActor
	nodeTerm // a word or phrase, possibly with a prefix last word
)

// fieldMask is a set of fields, one bit per Field.
type fieldMask uint8

const defaultFields = fieldMask(1<<FieldTitle | 1<<FieldSummary | 1<<FieldContent)

// node is one element of a parsed query.
type node struct {
	kind   nodeKind
	offset int // rune offset of the node's first token in the query
	kids   []*node
	// nodeNear: maximum number of tokens between the two sides.
	dist int
	// nodeField: the fields the child is restricted to.
	fields fieldMask
	// nodeActor: the actor id; nodeTerm: the term as written (without quotes).
	text string
	// nodeTerm: the normalized words and whether the last one is a prefix.
	words  []string
	prefix bool
}

// ParseQuery parses a storyline query. Errors are *SyntaxError.
func ParseQuery(q string) (*Query, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, src: q}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		if t.kind == tokRParen {
			return nil, &SyntaxError{Offset: t.offset, Msg: "unbalanced parenthesis"}
		}
		return nil, p.unexpected(t, "an operator or the end of the query")
	}
	if n := negativeOnly(root); n != nil {
		return nil, &SyntaxError{Offset: n.offset, Msg: "query can only match by negation", Hint: "add a term that must be present"}
	}
	query := &Query{src: q, root: root}
	seen := map[string]bool{}
	walk(root, func(n *node) {
		if n.kind == nodeActor && !seen[n.text] {
			seen[n.text] = true
			query.actors = append(query.actors, n.text)
		}
	})
	return query, nil
}

func walk(n *node, f func(*node)) {
	f(n)
	for _, k := range n.kids {
		walk(k, f)
	}
}

// negativeOnly returns the node that makes the query satisfiable without
// any positive match, or nil when every match needs a present term.
func negativeOnly(n *node) *node {
	switch n.kind {
	case nodeNot:
		return n
	case nodeAnd:
		var first *node
		for _, k := range n.kids {
			bad := negativeOnly(k)
			if bad == nil {
				return nil
			}
			if first == nil {
				first = bad
			}
		}
		return first
	case nodeOr:
		for _, k := range n.kids {
			if bad := negativeOnly(k); bad != nil {
				return bad
			}
		}
		return nil
	case nodeField:
		return negativeOnly(n.kids[0])
	}
	return nil
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokNot  // NOT or a leading -
	tokNear // NEAR/N
	tokField
	tokActor
	tokWord
	tokPhrase
)

type token struct {
	kind   tokKind
	offset int    // rune offset
	text   string // as written (phrases without quotes)
	dist   int    // tokNear
	field  Field  // tokField
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of query"
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	case tokAnd:
		return `"AND"`
	case tokOr:
		return `"OR"`
	case tokNot:
		return `"NOT"`
	case tokNear:
		return strconv.Quote("NEAR/" + strconv.Itoa(t.dist))
	case tokField:
		return strconv.Quote(t.field.String() + ":")
	case tokActor:
		return strconv.Quote("@" + t.text)
	case tokPhrase:
		return strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

// maxNear bounds NEAR/N so that a typo cannot turn NEAR into AND silently.
const maxNear = 1000

func fieldByName(name string) (Field, bool) {
	for i, n := range fieldNames {
		if n == name {
			return Field(i), true
		}
	}
	return 0, false
}

// lex splits a query into tokens. Offsets count runes.
func lex(q string) ([]token, error) {
	var toks []token
	i, off := 0, 0 // byte index, rune offset
	adv := func(n int) {
		off += utf8.RuneCountInString(q[i : i+n])
		i += n
	}
	for i < len(q) {
		r, size := utf8.DecodeRuneInString(q[i:])
		switch {
		case unicode.IsSpace(r):
			adv(size)
		case r == '(':
			toks = append(toks, token{kind: tokLParen, offset: off})
			adv(1)
		case r == ')':
			toks = append(toks, token{kind: tokRParen, offset: off})
			adv(1)
		case r == '"':
			end := strings.IndexByte(q[i+1:], '"')
			if end < 0 {
				return nil, &SyntaxError{Offset: off, Msg: "unterminated phrase"}
			}
			text := q[i+1 : i+1+end]
			toks = append(toks, token{kind: tokPhrase, offset: off, text: text})
			adv(end + 2)
		case r == '-':
			next, _ := utf8.DecodeRuneInString(q[i+1:])
			if i+1 >= len(q) || unicode.IsSpace(next) || next == ')' {
				return nil, &SyntaxError{Offset: off, Msg: `"-" must be followed by what it excludes`}
			}
			toks = append(toks, token{kind: tokNot, offset: off, text: "-"})
			adv(1)
		case r == '@':
			n := wordLen(q[i+1:])
			if n == 0 {
				return nil, &SyntaxError{Offset: off, Msg: `expected an actor id after "@"`}
			}
			toks = append(toks, token{kind: tokActor, offset: off, text: q[i+1 : i+1+n]})
			adv(n + 1)
		default:
			// A field prefix is read without reading the rest of the word:
			// `title:title:…` must not rescan the query at every prefix.
			if c := fieldPrefix(q[i:]); c > 0 {
				name := q[i : i+c]
				f, ok := fieldByName(name)
				if !ok {
					return nil, &SyntaxError{Offset: off, Msg: fmt.Sprintf("unknown field %q (known: %s)", name, strings.Join(fieldNames[:], ", "))}
				}
				toks = append(toks, token{kind: tokField, offset: off, field: f, text: q[i : i+c+1]})
				adv(c + 1)
				continue
			}
			n := wordLen(q[i:])
			w := q[i : i+n]
			t := token{kind: tokWord, offset: off, text: w}
			switch {
			case w == "AND":
				t.kind = tokAnd
			case w == "OR":
				t.kind = tokOr
			case w == "NOT":
				t.kind = tokNot
			case w == "NEAR" || strings.HasPrefix(w, "NEAR/"):
				d, err := strconv.Atoi(strings.TrimPrefix(w, "NEAR/"))
				if w == "NEAR" || err != nil || d < 1 || d > maxNear {
					return nil, &SyntaxError{Offset: off, Msg: fmt.Sprintf("NEAR needs a distance from 1 to %d, e.g. NEAR/5", maxNear)}
				}
				t.kind, t.dist = tokNear, d
			}
			toks = append(toks, t)
			adv(n)
		}
	}
	toks = append(toks, token{kind: tokEOF, offset: off})
	return toks, nil
}

// wordLen returns the byte length of the word at the start of s: everything
// up to a space, a parenthesis or a quote.
func wordLen(s string) int {
	for i, r := range s {
		if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' {
			return i
		}
	}
	return len(s)
}

// fieldPrefix returns the length of the field name when s starts with
// ASCII letters and a colon not followed by "/" (a URL's "http://" is a
// word), else 0.
func fieldPrefix(s string) int {
	n := 0
	for n < len(s) && (s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z') {
		n++
	}
	if n == 0 || n >= len(s) || s[n] != ':' || strings.HasPrefix(s[n+1:], "/") {
		return 0
	}
	return n
}

type parser struct {
	toks  []token
	pos   int
	src   string
	depth int
}

// maxDepth bounds nesting so that a hostile query cannot exhaust the stack.
const maxDepth = 100

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) unexpected(t token, want string) error {
	return &SyntaxError{Offset: t.offset, Msg: "expected " + want, Found: t.describe()}
}

func (p *parser) parseOr() (*node, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	n := first
	for p.peek().kind == tokOr {
		p.next()
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		if n.kind != nodeOr || n == first {
			n = &node{kind: nodeOr, offset: first.offset, kids: []*node{first}}
		}
		n.kids = append(n.kids, right)
	}
	return n, nil
}

// startsUnary reports whether t can begin an operand of AND.
func startsUnary(t token) bool {
	switch t.kind {
	case tokNot, tokLParen, tokField, tokActor, tokWord, tokPhrase:
		return true
	}
	return false
}

func (p *parser) parseAnd() (*node, error) {
	first, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	n := first
	for {
		t := p.peek()
		if t.kind == tokAnd {
			p.next()
		} else if !startsUnary(t) {
			return n, nil
		}
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if n == first {
			n = &node{kind: nodeAnd, offset: first.offset, kids: []*node{first}}
		}
		n.kids = append(n.kids, right)
	}
}

func (p *parser) parseUnary() (*node, error) {
	t := p.peek()
	if t.kind == tokNot {
		p.next()
		if p.depth++; p.depth > maxDepth {
			return nil, &SyntaxError{Offset: t.offset, Msg: "query nested too deeply"}
		}
		kid, err := p.parseUnary()
		p.depth--
		if err != nil {
			return nil, err
		}
		return &node{kind: nodeNot, offset: t.offset, kids: []*node{kid}}, nil
	}
	return p.parseNear()
}

func (p *parser) parseNear() (*node, error) {
	left, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	// Each operand is checked once, as it is read: the left side of a
	// later NEAR is the chain before it, already checked, so a chain of n
	// terms costs n checks, not n².
	sides := []*node{left}
	for p.peek().kind == tokNear {
		op := p.next()
		right, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		sides = append(sides, right)
		for _, side := range sides {
			if bad := findKind(side, nodeNot); bad != nil {
				return nil, &SyntaxError{Offset: bad.offset, Msg: "NOT cannot be used inside NEAR"}
			}
			// AND inside NEAR has no single obvious meaning (is it enough
			// that one part is near, or must all be?), and `(peace plan)`
			// is usually a phrase written without quotes, so it is refused
			// with the two spellings that say what is meant.
			if bad := findKind(side, nodeAnd); bad != nil {
				return nil, &SyntaxError{Offset: bad.offset, Msg: "AND cannot be used inside NEAR",
					Hint: fmt.Sprintf(`write words in a row as a "phrase", or pair each part: (a NEAR/%d c) AND (b NEAR/%d c)`, op.dist, op.dist)}
			}
		}
		sides = sides[:0]
		left = &node{kind: nodeNear, offset: left.offset, dist: op.dist, kids: []*node{left, right}}
	}
	return left, nil
}

// findKind returns the first node of the given kind in n's tree, or nil.
func findKind(n *node, kind nodeKind) *node {
	if n.kind == kind {
		return n
	}
	for _, k := range n.kids {
		if bad := findKind(k, kind); bad != nil {
			return bad
		}
	}
	return nil
}

func (p *parser) parsePrimary() (*node, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		if p.depth++; p.depth > maxDepth {
			return nil, &SyntaxError{Offset: t.offset, Msg: "query nested too deeply"}
		}
		if p.peek().kind == tokRParen {
			return nil, &SyntaxError{Offset: p.peek().offset, Msg: `empty parentheses`}
		}
		n, err := p.parseOr()
		p.depth--
		if err != nil {
			return nil, err
		}
		if end := p.next(); end.kind != tokRParen {
			if end.kind == tokEOF {
				return nil, &SyntaxError{Offset: t.offset, Msg: "unbalanced parenthesis"}
			}
			return nil, p.unexpected(end, `")"`)
		}
		return n, nil
	case tokField:
		if p.depth++; p.depth > maxDepth {
			return nil, &SyntaxError{Offset: t.offset, Msg: "query nested too deeply"}
		}
		kid, err := p.parsePrimary()
		p.depth--
		if err != nil {
			return nil, err
		}
		return &node{kind: nodeField, offset: t.offset, fields: 1 << t.field, kids: []*node{kid}}, nil
	case tokActor:
		return &node{kind: nodeActor, offset: t.offset, text: t.text}, nil
	case tokWord, tokPhrase:
		return newTerm(t)
	case tokRParen:
		return nil, &SyntaxError{Offset: t.offset, Msg: "unbalanced parenthesis"}
	}
	return nil, p.unexpected(t, `a term or "("`)
}

// newTerm normalizes a word or phrase into a term node.
func newTerm(t token) (*node, error) {
	words, prefix, msg := termWords(t.text)
	if msg != "" {
		return nil, &SyntaxError{Offset: t.offset, Msg: fmt.Sprintf("%s in %s", msg, t.describe())}
	}
	return &node{kind: nodeTerm, offset: t.offset, text: t.text, words: words, prefix: prefix}, nil
}

// minPrefix is the shortest prefix (in runes) a trailing * may follow, so
// that "a*" cannot match half of every text.
const minPrefix = 2

// termWords normalizes a term, phrase or alias into its words. A trailing *
// makes the last word a prefix; a * anywhere else is an error (msg).
func termWords(s string) (words []string, prefix bool, msg string) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "*") {
		prefix = true
		s = s[:len(s)-1]
		if s == "" || !isWordRune(lastRune(s)) {
			return nil, false, `"*" must follow a word`
		}
	}
	if strings.Contains(s, "*") {
		return nil, false, `"*" is only allowed at the end`
	}
	words = Tokens(s)
	if len(words) == 0 {
		return nil, false, "no letters or digits"
	}
	if prefix && utf8.RuneCountInString(words[len(words)-1]) < minPrefix {
		return nil, false, fmt.Sprintf("prefix shorter than %d letters", minPrefix)
	}
	return words, prefix, ""
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

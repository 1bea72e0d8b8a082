package match

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseQueryErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query, want string
	}{
		{"unclosed parenthesis", `@witkoff AND (call OR leak*`, `unbalanced parenthesis at offset 13`},
		{"extra closing parenthesis", `"28-point plan" OR plan)`, `unbalanced parenthesis at offset 23`},
		{"operator where a term belongs", `Witkoff AND OR x`, `expected a term or "(" at offset 12, found "OR"`},
		{"dangling operator", `Witkoff OR`, `expected a term or "(" at offset 10, found end of query`},
		{"negation alone", `NOT skater`, `query can only match by negation at offset 0; add a term that must be present`},
		{"minus alone", `-skater`, `query can only match by negation at offset 0; add a term that must be present`},
		{"negated branch of OR", `Witkoff OR -skater`, `query can only match by negation at offset 11; add a term that must be present`},
		{"unterminated phrase", `Witkoff "peace plan`, `unterminated phrase at offset 8`},
		{"NEAR without distance", `peace NEAR plan`, `NEAR needs a distance from 1 to 1000, e.g. NEAR/5 at offset 6`},
		{"NEAR with zero distance", `peace NEAR/0 plan`, `NEAR needs a distance from 1 to 1000, e.g. NEAR/5 at offset 6`},
		{"NOT inside NEAR", `peace NEAR/3 (plan OR NOT deal)`, `NOT cannot be used inside NEAR at offset 22`},
		{"AND inside NEAR", `(peace AND plan) NEAR/2 28`, `AND cannot be used inside NEAR at offset 1; write words in a row as a "phrase", or pair each part: (a NEAR/2 c) AND (b NEAR/2 c)`},
		{"adjacency inside NEAR", `28 NEAR/5 (peace plan)`, `AND cannot be used inside NEAR at offset 11; write words in a row as a "phrase", or pair each part: (a NEAR/5 c) AND (b NEAR/5 c)`},
		{"AND deep inside NEAR", `x NEAR/3 (y OR title:(a b))`, `AND cannot be used inside NEAR at offset 22; write words in a row as a "phrase", or pair each part: (a NEAR/3 c) AND (b NEAR/3 c)`},
		{"unknown field", `body:Witkoff`, `unknown field "body" (known: title, summary, content, author, category, url) at offset 0`},
		{"star inside a word", `le*ak`, `"*" is only allowed at the end in "le*ak" at offset 0`},
		{"prefix too short", `a*`, `prefix shorter than 2 letters in "a*" at offset 0`},
		{"term of punctuation only", `Witkoff AND ...`, `no letters or digits in "..." at offset 12`},
		{"empty actor reference", `@ AND x`, `expected an actor id after "@" at offset 0`},
		{"empty parentheses", `x AND ()`, `empty parentheses at offset 7`},
		{"empty query", ``, `expected a term or "(" at offset 0, found end of query`},
		{"offsets count characters", `Ушаков AND (x`, `unbalanced parenthesis at offset 11`},
		{"lone minus", `Witkoff - skater`, `"-" must be followed by what it excludes at offset 8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseQuery(tt.query)
			if err == nil {
				t.Fatalf("ParseQuery(%q) succeeded, want error %q", tt.query, tt.want)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is %T, want *SyntaxError", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseQuery(%q) error\n got %s\nwant %s", tt.query, err, tt.want)
			}
		})
	}
}

func TestParseQueryActors(t *testing.T) {
	t.Parallel()
	q, err := ParseQuery(`@dmitriev AND (@witkoff OR @ushakov OR Kushner) -skater AND title:@witkoff`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := q.Actors(), []string{"dmitriev", "witkoff", "ushakov"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Actors() = %q, want %q", got, want)
	}
}

// TestParseQueryShape checks precedence and grouping through a compact
// rendering of the parse tree.
func TestParseQueryShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query, want string
	}{
		{"adjacency means AND", `Witkoff Ushakov`, `AND(witkoff ushakov)`},
		{"AND binds tighter than OR", `a OR b AND c`, `OR(a AND(b c))`},
		{"NEAR binds tighter than AND", `a AND b NEAR/3 c`, `AND(a NEAR/3(b c))`},
		{"NOT applies to a NEAR group", `a NOT b NEAR/2 c`, `AND(a NOT(NEAR/2(b c)))`},
		{"OR, phrase and nested NEAR inside NEAR", `("peace plan" OR deal) NEAR/3 (x NEAR/1 y)`, `NEAR/3(OR("peace plan" deal) NEAR/1(x y))`},
		{"negated branch of OR next to a term", `(putin OR -skater) witkoff`, `AND(OR(putin NOT(skater)) witkoff)`},
		{"minus negates the next operand", `a -b`, `AND(a NOT(b))`},
		{"lower-case operators are words", `a or b and not c near d`, `AND(a or b and not c near d)`},
		{"phrase keeps its words", `"28-point peace plan"`, `"28 point peace plan"`},
		{"prefix on the last word of a phrase", `"Yuri Ushak*"`, `"yuri ushak*"`},
		{"hyphenated word is a phrase", `28-point`, `"28 point"`},
		{"field restricts a group", `title:(a OR b)`, `title:OR(a b)`},
		{"actor reference", `@witkoff leak*`, `AND(@witkoff leak*)`},
		{"url term with a scheme", `url:https://example.org`, `url:"https example org"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(tt.query)
			if err != nil {
				t.Fatalf("ParseQuery(%q): %v", tt.query, err)
			}
			if got := render(q.root); got != tt.want {
				t.Errorf("ParseQuery(%q) = %s, want %s", tt.query, got, tt.want)
			}
		})
	}
}

func render(n *node) string {
	switch n.kind {
	case nodeTerm:
		s := ""
		for i, w := range n.words {
			if i > 0 {
				s += " "
			}
			s += w
		}
		if n.prefix {
			s += "*"
		}
		if len(n.words) > 1 {
			s = `"` + s + `"`
		}
		return s
	case nodeActor:
		return "@" + n.text
	case nodeField:
		for f := Field(0); f <= FieldURL; f++ {
			if n.fields == 1<<f {
				return f.String() + ":" + render(n.kids[0])
			}
		}
	}
	name := map[nodeKind]string{nodeOr: "OR", nodeAnd: "AND", nodeNot: "NOT", nodeNear: "NEAR"}[n.kind]
	if n.kind == nodeNear {
		name += "/" + string(rune('0'+n.dist))
	}
	s := name + "("
	for i, k := range n.kids {
		if i > 0 {
			s += " "
		}
		s += render(k)
	}
	return s + ")"
}

// Hostile queries are parsed in time linear in their length: a chain of
// 100,000 NEAR terms and 100,000 field prefixes took minutes when each
// operand re-checked the chain before it and each prefix rescanned the
// rest of the query. The results must be right, whatever the time.
func TestLongQueriesParseCorrectly(t *testing.T) {
	t.Parallel()
	const n = 100_000
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(" NEAR/3 ")
		}
		fmt.Fprintf(&b, "w%d", i)
	}
	chain := b.String()
	q, err := ParseQuery(chain)
	if err != nil {
		t.Fatal(err)
	}
	// A left-deep chain: NEAR(NEAR(…(w0 w1)…) w99998) w99999).
	depth, nd := 0, q.root
	for nd.kind == nodeNear {
		if nd.dist != 3 || len(nd.kids) != 2 || nd.kids[1].kind != nodeTerm {
			t.Fatalf("level %d: %s with %d kids", depth, render(nd), len(nd.kids))
		}
		if want := fmt.Sprintf("w%d", n-1-depth); nd.kids[1].text != want {
			t.Fatalf("level %d: right side %q, want %q", depth, nd.kids[1].text, want)
		}
		depth++
		nd = nd.kids[0]
	}
	if depth != n-1 || nd.text != "w0" {
		t.Errorf("chain of %d NEARs ending in %q, want %d ending in w0", depth, nd.text, n-1)
	}

	// The checks still hold at the end of a long chain.
	_, err = ParseQuery(chain + " NEAR/3 (a AND b)")
	var se *SyntaxError
	if !errors.As(err, &se) || se.Msg != "AND cannot be used inside NEAR" || se.Offset != utf8.RuneCountInString(chain)+len(" NEAR/3 (") {
		t.Errorf("AND at the end of the chain: %v", err)
	}
	_, err = ParseQuery("(NOT a) NEAR/3 " + chain)
	if !errors.As(err, &se) || se.Msg != "NOT cannot be used inside NEAR" || se.Offset != 1 {
		t.Errorf("NOT at the start of the chain: %v", err)
	}

	// 100,000 field prefixes in one word: refused for their depth, at the
	// prefix that goes too deep.
	_, err = ParseQuery(strings.Repeat("title:", n) + "x")
	if !errors.As(err, &se) || se.Msg != "query nested too deeply" || se.Offset != maxDepth*len("title:") {
		t.Errorf("title: × %d: %v", n, err)
	}
	// As many prefixes side by side are read one by one.
	q, err = ParseQuery(strings.Repeat("title:x ", n))
	if err != nil || q.root.kind != nodeAnd || len(q.root.kids) != n || q.root.kids[n-1].kind != nodeField {
		t.Errorf("title:x × %d: %v", n, err)
	}
}

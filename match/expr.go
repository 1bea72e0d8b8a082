package match

import "strings"

// Op is the kind of one node of a query's expression tree.
type Op uint8

// The kinds of query nodes.
const (
	// OpOr is true when any of Kids is.
	OpOr Op = iota
	// OpAnd is true when all of Kids are.
	OpAnd
	// OpNot is true when its only kid is false.
	OpNot
	// OpNear is true when its two kids occur within Dist words.
	OpNear
	// OpField restricts its only kid to Fields.
	OpField
	// OpActor stands for any alias of the actor Text.
	OpActor
	// OpTerm is a word or phrase, Text as written.
	OpTerm
)

// Expr is a read-only copy of a parsed query, for code that translates a
// storyline into another query language (a news search's, for one).
type Expr struct {
	Op   Op
	Kids []Expr
	// Dist is the NEAR distance of OpNear.
	Dist int
	// Fields are the fields of OpField.
	Fields []Field
	// Text is the actor id of OpActor, or the term of OpTerm as written
	// (without quotes and without a trailing *).
	Text string
	// Prefix marks an OpTerm whose last word is a prefix (written with *).
	Prefix bool
}

// Expr returns the query's expression tree.
func (q *Query) Expr() Expr { return exprOf(q.root) }

func exprOf(n *node) Expr {
	e := Expr{Dist: n.dist, Prefix: n.prefix}
	switch n.kind {
	case nodeOr:
		e.Op = OpOr
	case nodeAnd:
		e.Op = OpAnd
	case nodeNot:
		e.Op = OpNot
	case nodeNear:
		e.Op = OpNear
	case nodeField:
		e.Op = OpField
		for f := FieldTitle; f <= FieldURL; f++ {
			if n.fields&(1<<f) != 0 {
				e.Fields = append(e.Fields, f)
			}
		}
	case nodeActor:
		e.Op, e.Text = OpActor, n.text
	case nodeTerm:
		e.Op, e.Text = OpTerm, strings.TrimSuffix(strings.TrimSpace(n.text), "*")
	}
	for _, k := range n.kids {
		e.Kids = append(e.Kids, exprOf(k))
	}
	return e
}

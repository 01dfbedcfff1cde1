package grammar

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// quickRule is the fast path of parseBlock: it reads one rule of an action
// block straight from the scanner's tokens and builds the syntax tree that
// ruleParser and builder.rule would, positions included, except for the
// findings of builder.checkFilter, which the caller reports. It follows the
// Rule production of grammar.go token for token and reads the filter with
// the same expression parser; it accepts only a well-formed rule that ends
// exactly at the end of toks and lies in one file, and returns ok false at
// the first token it does not expect, having reported nothing. parseBlock
// then hands the rule to participle, which reports the error: participle's
// grammar stays the definition of the language and the source of every
// syntax error.
//
// Participle costs about 10 µs and 10 kB per rule on top of the
// expression parser, most of it copying the tokens into a PeekingLexer and
// walking the grammar by reflection; this costs well under a microsecond.
// TestQuickRuleMatchesParticiple and FuzzQuickRule check that both agree.
//
// oneFile says that all tokens of the Parse are of one file; else
// quickRule checks that those of the rule are. maxDepth is the depth limit
// of builder.checkFilter: check says whether the filter has an implicit
// `!= 0` or enough operators to reach the limit, that is whether
// checkFilter may find anything in it.
func quickRule(toks []token, eof lexer.Position, nodes *nodeArena, oneFile bool, maxDepth int) (r *Rule, check, ok bool) {
	if len(toks) == 0 {
		return nil, false, false
	}
	for i := 0; i < len(toks) && !oneFile; i++ {
		if toks[i].file != toks[0].file {
			return nil, false, false // an #include inside the rule
		}
	}
	q := quickParser{toks: toks, eof: eof, nodes: nodes, maxDepth: maxDepth}
	var sc Syscall
	switch first := toks[0]; {
	case first.typ() == tokIdent:
		sc.Name = q.ident()
		sc.Range = sc.Name.Range
	case q.keyword("SYSCALL"):
		q.i++
		if !q.punct('[') || !q.at(1, tokNumber) || !q.punctAt(2, ']') {
			return nil, false, false
		}
		n := toks[q.i+1]
		v, _ := numberValue(n.value) // out-of-range literals were reported by the scanner
		sc.Number = nodes.number(Number{Range: n.span(), Text: n.value, Value: v})
		sc.Range = tokenRange(&first, &toks[q.i+2])
		q.i += 3
	default:
		return nil, false, false
	}
	var rule Rule
	if q.punct('(') {
		if rule.Params, ok = q.params(); !ok {
			return nil, false, false
		}
	}
	if q.keyword("ON") {
		if rule.Arch, ok = q.arch(); !ok {
			return nil, false, false
		}
	}
	if q.punct('{') {
		if rule.Filter, ok = q.filter(); !ok {
			return nil, false, false
		}
	}
	if q.i != len(toks) {
		return nil, false, false
	}
	// The rule is whole: only now its nodes are taken from the arena.
	rule.Syscall = nodes.newSyscall()
	*rule.Syscall = sc
	rule.Range = tokenRange(&toks[0], &toks[len(toks)-1])
	r = nodes.newRule()
	*r = rule
	return r, q.check, true
}

// quickParser is the cursor of quickRule over the tokens of one rule.
type quickParser struct {
	toks     []token
	i        int
	eof      lexer.Position
	nodes    *nodeArena
	maxDepth int
	// check is set by filter: see quickRule.
	check bool
}

// at reports whether the token k places ahead has type typ.
func (q *quickParser) at(k int, typ lexer.TokenType) bool {
	return q.i+k < len(q.toks) && q.toks[q.i+k].typ() == typ
}

// punctAt reports whether the token k places ahead is the punctuation of
// code c (see punctCode).
func (q *quickParser) punctAt(k int, c byte) bool {
	return q.i+k < len(q.toks) && q.toks[q.i+k].punct == c
}

func (q *quickParser) punct(c byte) bool { return q.punctAt(0, c) }

func (q *quickParser) keyword(v string) bool {
	return q.at(0, tokKeyword) && q.toks[q.i].value == v
}

// ident consumes an identifier, which the caller has checked.
func (q *quickParser) ident() *Ident {
	t := &q.toks[q.i]
	q.i++
	n := q.nodes.newIdent()
	n.Range, n.Name = t.span(), t.value
	return n
}

// rangeFrom returns the range from the token at start to the last token
// read.
func (q *quickParser) rangeFrom(start int) Range {
	return tokenRange(&q.toks[start], &q.toks[q.i-1])
}

// identList reads Ident { "," Ident } into names.
func (q *quickParser) identList(names []*Ident) ([]*Ident, bool) {
	if !q.at(0, tokIdent) {
		return nil, false
	}
	names = append(names, q.ident())
	for q.punct(',') {
		q.i++
		if !q.at(0, tokIdent) {
			return nil, false
		}
		names = append(names, q.ident())
	}
	return names, true
}

// params reads Params = "(" [ Ident { "," Ident } ] ")" .
func (q *quickParser) params() (*Params, bool) {
	start := q.i
	p := &Params{}
	q.i++
	if q.at(0, tokIdent) {
		var ok bool
		if p.Names, ok = q.identList(nil); !ok {
			return nil, false
		}
	}
	if !q.punct(')') {
		return nil, false
	}
	q.i++
	p.Range = q.rangeFrom(start)
	return p, true
}

// arch reads ArchGuard = "ON" ( Ident | "{" Ident { "," Ident } "}" ) .
func (q *quickParser) arch() (*ArchGuard, bool) {
	start := q.i
	a := &ArchGuard{}
	q.i++
	switch {
	case q.at(0, tokIdent):
		a.Names = []*Ident{q.ident()}
	case q.punct('{'):
		q.i++
		var ok bool
		if a.Names, ok = q.identList(nil); !ok || !q.punct('}') {
			return nil, false
		}
		q.i++
		a.Braced = true
	default:
		return nil, false
	}
	a.Range = q.rangeFrom(start)
	return a, true
}

// filter reads Filter = "{" [ Expr ] "}" and returns the Expr, nil for
// `{}`.
func (q *quickParser) filter() (Expr, bool) {
	q.i++
	ep := exprParser{toks: q.toks, i: q.i, eof: q.eof, nodes: q.nodes}
	x, err := ep.parse()
	q.check = ep.implicit || ep.ops > q.maxDepth
	switch {
	case err == nil:
	case err != participle.NextMatch: // NextMatch: an empty filter
		return nil, false
	}
	q.i = ep.i
	if !q.punct('}') {
		return nil, false
	}
	q.i++
	return x, true
}

package grammar

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// quickRule is the fast path of parseBlock: it reads one rule of an action
// block straight from the scanner's tokens and builds the parse tree that
// ruleParser would, Pos and EndPos fields included (a node's Pos is its
// first token, its EndPos the token after it, or eof). It follows the Rule
// production of grammar.go token for token and reads the filter with the
// same expression parser; it accepts only a well-formed rule that ends
// exactly at the end of toks, and returns ok false at the first token it
// does not expect, having reported nothing. parseBlock then hands the rule
// to participle, which reports the error: participle's grammar stays the
// definition of the language and the source of every syntax error.
//
// Participle costs about 10 µs and 10 kB per rule on top of the
// expression parser, most of it copying the tokens into a PeekingLexer and
// walking the grammar by reflection; this costs well under a microsecond.
// TestQuickRuleMatchesParticiple checks that both agree.
func quickRule(toks []token, eof lexer.Position) (r *pRule, ok bool) {
	q := quickParser{toks: toks, eof: eof}
	if len(toks) == 0 {
		return nil, false
	}
	r = &pRule{Pos: toks[0].pos()}
	switch first := toks[0]; {
	case first.typ() == tokIdent:
		r.Name = q.ident()
	case q.keyword("SYSCALL"):
		q.i++
		if !q.punct("[") || !q.at(1, tokNumber) || !q.punctAt(2, "]") {
			return nil, false
		}
		r.Number = &pNumber{Pos: toks[q.i+1].pos(), Text: toks[q.i+1].value}
		q.i += 3
	default:
		return nil, false
	}
	if q.punct("(") {
		if r.Params, ok = q.params(); !ok {
			return nil, false
		}
	}
	if q.keyword("ON") {
		if r.Arch, ok = q.arch(); !ok {
			return nil, false
		}
	}
	if q.punct("{") {
		if r.Filter, ok = q.filter(); !ok {
			return nil, false
		}
	}
	if q.i != len(toks) {
		return nil, false
	}
	r.EndPos = eof
	return r, true
}

// quickParser is the cursor of quickRule over the tokens of one rule.
type quickParser struct {
	toks []token
	i    int
	eof  lexer.Position
}

// at reports whether the token k places ahead has type typ.
func (q *quickParser) at(k int, typ lexer.TokenType) bool {
	return q.i+k < len(q.toks) && q.toks[q.i+k].typ() == typ
}

// punctAt reports whether the token k places ahead is the punctuation v.
func (q *quickParser) punctAt(k int, v string) bool {
	return q.at(k, tokPunct) && q.toks[q.i+k].value == v
}

func (q *quickParser) punct(v string) bool { return q.punctAt(0, v) }

func (q *quickParser) keyword(v string) bool {
	return q.at(0, tokKeyword) && q.toks[q.i].value == v
}

// pos returns the position of the next token, eof past the last.
func (q *quickParser) pos() lexer.Position {
	if q.i < len(q.toks) {
		return q.toks[q.i].pos()
	}
	return q.eof
}

// ident consumes an identifier, which the caller has checked.
func (q *quickParser) ident() *pIdent {
	t := &q.toks[q.i]
	q.i++
	return &pIdent{Pos: t.pos(), Name: t.value}
}

// identList reads Ident { "," Ident } into names.
func (q *quickParser) identList(names []*pIdent) ([]*pIdent, bool) {
	if !q.at(0, tokIdent) {
		return nil, false
	}
	names = append(names, q.ident())
	for q.punct(",") {
		q.i++
		if !q.at(0, tokIdent) {
			return nil, false
		}
		names = append(names, q.ident())
	}
	return names, true
}

// params reads Params = "(" [ Ident { "," Ident } ] ")" .
func (q *quickParser) params() (*pParams, bool) {
	p := &pParams{Pos: q.pos()}
	q.i++
	if q.at(0, tokIdent) {
		var ok bool
		if p.Names, ok = q.identList(nil); !ok {
			return nil, false
		}
	}
	if !q.punct(")") {
		return nil, false
	}
	q.i++
	p.EndPos = q.pos()
	return p, true
}

// arch reads ArchGuard = "ON" ( Ident | "{" Ident { "," Ident } "}" ) .
func (q *quickParser) arch() (*pArch, bool) {
	a := &pArch{Pos: q.pos()}
	q.i++
	switch {
	case q.at(0, tokIdent):
		a.Single = q.ident()
	case q.punct("{"):
		q.i++
		var ok bool
		if a.Set, ok = q.identList(nil); !ok || !q.punct("}") {
			return nil, false
		}
		q.i++
	default:
		return nil, false
	}
	a.EndPos = q.pos()
	return a, true
}

// filter reads Filter = "{" [ Expr ] "}" .
func (q *quickParser) filter() (*pFilter, bool) {
	f := &pFilter{Pos: q.pos()}
	q.i++
	ep := exprParser{toks: q.toks, i: q.i, eof: q.eof}
	x, err := ep.parse()
	switch {
	case err == nil:
		f.Expr = x
	case err != participle.NextMatch: // NextMatch: an empty filter
		return nil, false
	}
	q.i = ep.i
	if !q.punct("}") {
		return nil, false
	}
	q.i++
	f.EndPos = q.pos()
	return f, true
}

package grammar

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// parseExpr reads a filter expression for participle (registered with
// participle.ParseTypeWith): recursive descent over the grammar in
// grammar.go, with one token of lookahead. It is hand-written because
// participle's reflection costs about a hundred times more per token on a
// grammar eight levels deep, and because the two kinds of parentheses are
// classified as they close (see exprParser.operand).
//
// It returns participle.NextMatch when the next token cannot start an
// expression (an empty filter `{}`).
func parseExpr(lex *lexer.PeekingLexer) (Expr, error) {
	p := exprParser{lex: lex}
	return p.parse()
}

func (p *exprParser) parse() (Expr, error) {
	if !p.startsOperand() && !p.is('!') {
		return nil, participle.NextMatch
	}
	it, err := p.expr()
	if err != nil {
		return nil, err
	}
	return p.cond(it), nil
}

// item is a parsed expression that may still be a plain value: a value
// becomes a condition (`v != 0`, Implicit) only where a condition is
// required, so that `(a & 3)` can still be compared after its `)`.
type item struct {
	x     Expr
	value bool
	// paren says whether x stands in parentheses. Where the `(` is, is
	// exprParser.open: an item is checked right after it is read, before
	// any other parenthesis closes.
	paren bool
}

// exprParser reads tokens from participle's lexer (lex) or, on the fast
// path of quickRule, straight from the scanner's tokens (toks[i:], then an
// EOF token at eof): the same tokens either way.
type exprParser struct {
	lex  *lexer.PeekingLexer
	toks []token
	i    int
	eof  lexer.Position
	// nodes allocates the nodes (nil: one by one).
	nodes *nodeArena
	// open is where the `(` of the last parenthesis closed is.
	open lexer.Position
	// ops counts the operator nodes made (the depth of the tree is at
	// most that); implicit says whether one is a bare value's `!= 0`.
	// Where neither can make builder.checkFilter report anything, the
	// fast path does not call it.
	ops      int
	implicit bool
}

func (p *exprParser) peek() lexer.Token {
	if p.lex != nil {
		return *p.lex.Peek()
	}
	if p.i < len(p.toks) {
		t := &p.toks[p.i]
		return lexer.Token{Type: t.typ(), Value: t.value, Pos: t.pos()}
	}
	return lexer.EOFToken(p.eof)
}

// next consumes the next token and returns it.
func (p *exprParser) next() lexer.Token {
	t := p.peek()
	if p.lex != nil {
		p.lex.Next()
	} else if p.i < len(p.toks) {
		p.i++
	}
	return t
}

// skip consumes the next token.
func (p *exprParser) skip() {
	if p.lex != nil {
		p.lex.Next()
	} else if p.i < len(p.toks) {
		p.i++
	}
}

// kind returns the type and value of the next token, without copying it.
func (p *exprParser) kind() (lexer.TokenType, string) {
	if p.lex != nil {
		t := p.lex.Peek()
		return t.Type, t.Value
	}
	if p.i < len(p.toks) {
		t := &p.toks[p.i]
		return t.typ(), t.value
	}
	return tokEOF, ""
}

// is reports whether the next token is the punctuation of code c (see
// punctCode).
func (p *exprParser) is(c byte) bool {
	if p.lex != nil {
		t := p.lex.Peek()
		return t.Type == tokPunct && punctCode(t.Value) == c
	}
	return p.i < len(p.toks) && p.toks[p.i].punct == c
}

// startsOperand reports whether the next token can start an operand.
func (p *exprParser) startsOperand() bool {
	typ, value := p.kind()
	return typ == tokNumber || typ == tokIdent || typ == tokPunct && value == "("
}

func tokenEnd(t lexer.Token) lexer.Position { return advanceText(t.Pos, t.Value) }

// unexpected reports the next token as unexpected where want was expected.
func (p *exprParser) unexpected(want string) error {
	t := p.peek()
	got := "end of statement"
	if !t.EOF() {
		got = describeToken(token{kind: int8(t.Type), value: t.Value})
	}
	return participle.Errorf(t.Pos, "unexpected %s, expected %s", got, want)
}

const (
	wantValue     = "a value (a number, a name or `(`)"
	wantCondition = "a condition"
)

// cond turns an item into a condition: a plain value v becomes v != 0.
func (p *exprParser) cond(it item) Expr {
	if !it.value {
		return it.x
	}
	r := *rangeOf(it.x)
	p.ops++
	p.implicit = true
	zero := p.nodes.number(Number{Range: Range{file: r.endFile, pos: r.end, endFile: r.endFile, end: r.end}, Text: "0"})
	return p.nodes.binary(BinaryExpr{Range: r, Op: OpNe, X: it.x, Y: zero, Implicit: true})
}

func (p *exprParser) binary(op Op, x, y Expr) *BinaryExpr {
	p.ops++
	n := p.nodes.newBinary()
	rx, ry := rangeOf(x), rangeOf(y)
	n.Range = Range{file: rx.file, pos: rx.pos, endFile: ry.endFile, end: ry.end}
	n.Op, n.X, n.Y = op, x, y
	return n
}

// rangeOf returns where e is, without the copies of a call to Span
// through the interface (this is on the path of every operator).
func rangeOf(e Expr) *Range {
	switch e := e.(type) {
	case *BinaryExpr:
		return &e.Range
	case *NotExpr:
		return &e.Range
	case *Ident:
		return &e.Range
	case *Number:
		return &e.Range
	}
	r := NewRange(e.Span())
	return &r
}

// The levels of the grammar call each other directly, each in a loop of
// its own: this is the innermost loop of a large policy's parse, and every
// operand goes through all of them.

// expr = or { "," or } .
func (p *exprParser) expr() (item, error) {
	it, err := p.or()
	if err != nil || !p.is(',') {
		return it, err
	}
	x := p.cond(it)
	for p.is(',') {
		p.skip()
		y, err := p.or()
		if err != nil {
			return item{}, err
		}
		x = p.binary(OpOr, x, p.cond(y))
	}
	return item{x: x}, nil
}

// or = and { "||" and } .
func (p *exprParser) or() (item, error) {
	it, err := p.and()
	if err != nil || !p.is(pOr) {
		return it, err
	}
	x := p.cond(it)
	for p.is(pOr) {
		p.skip()
		y, err := p.and()
		if err != nil {
			return item{}, err
		}
		x = p.binary(OpOr, x, p.cond(y))
	}
	return item{x: x}, nil
}

// and = unary { "&&" unary } .
func (p *exprParser) and() (item, error) {
	it, err := p.unary()
	if err != nil || !p.is(pAnd) {
		return it, err
	}
	x := p.cond(it)
	for p.is(pAnd) {
		p.skip()
		y, err := p.unary()
		if err != nil {
			return item{}, err
		}
		x = p.binary(OpAnd, x, p.cond(y))
	}
	return item{x: x}, nil
}

// startRange returns a range that starts where the next token does (its
// end is for the caller to set).
func (p *exprParser) startRange() Range {
	if p.lex == nil && p.i < len(p.toks) {
		return p.toks[p.i].span()
	}
	t := p.peek()
	return NewRange(t.Pos, t.Pos)
}

// unary = "!" unary | condition .
func (p *exprParser) unary() (item, error) {
	if !p.is('!') {
		return p.condition()
	}
	bang := p.startRange()
	p.skip()
	if !p.is('!') && !p.startsOperand() {
		return item{}, p.unexpected(wantCondition)
	}
	it, err := p.unary()
	if err != nil {
		return item{}, err
	}
	x := p.cond(it)
	r := rangeOf(x)
	bang.endFile, bang.end = r.endFile, r.end
	p.ops++
	return item{x: p.nodes.not(NotExpr{Range: bang, X: x})}, nil
}

// comparisonOp returns the comparison operator spelled v.
func comparisonOp(v string) (Op, bool) {
	switch v {
	case "==":
		return OpEq, true
	case "!=":
		return OpNe, true
	case "<":
		return OpLt, true
	case "<=":
		return OpLe, true
	case ">":
		return OpGt, true
	case ">=":
		return OpGe, true
	}
	return 0, false
}

// comparison returns the comparison operator that is the next token, if
// it is one.
func (p *exprParser) comparison() (Op, bool) {
	if p.lex != nil {
		if t := p.lex.Peek(); t.Type == tokPunct {
			return comparisonOp(t.Value)
		}
		return 0, false
	}
	if p.i >= len(p.toks) {
		return 0, false
	}
	switch p.toks[p.i].punct {
	case pEq:
		return OpEq, true
	case pNe:
		return OpNe, true
	case '<':
		return OpLt, true
	case pLe:
		return OpLe, true
	case '>':
		return OpGt, true
	case pGe:
		return OpGe, true
	}
	return 0, false
}

// condition = value [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) value ] .
func (p *exprParser) condition() (item, error) {
	if !p.startsOperand() {
		return item{}, p.unexpected(wantCondition)
	}
	x, err := p.value()
	if err != nil {
		return item{}, err
	}
	op, ok := p.comparison()
	if !ok {
		return x, nil // a value, or a parenthesized condition
	}
	if !x.value {
		return item{}, p.conditionAsValue(x)
	}
	p.skip()
	if !p.startsOperand() {
		return item{}, p.unexpected(wantValue)
	}
	y, err := p.value()
	if err != nil {
		return item{}, err
	}
	if !y.value {
		return item{}, p.conditionAsValue(y)
	}
	return item{x: p.binary(op, x.x, y.x)}, nil
}

func (p *exprParser) conditionAsValue(it item) error {
	start, _ := it.x.Span()
	if it.paren {
		start = p.open
	}
	return participle.Errorf(start, "a condition in parentheses where a value is expected")
}

// value = bitAnd { "|" bitAnd } .
func (p *exprParser) value() (item, error) {
	it, err := p.bitAnd()
	if err != nil || !p.is('|') {
		return it, err
	}
	if !it.value {
		return item{}, p.conditionAsValue(it)
	}
	x := it.x
	for p.is('|') {
		p.skip()
		if !p.startsOperand() {
			return item{}, p.unexpected(wantValue)
		}
		y, err := p.bitAnd()
		if err != nil {
			return item{}, err
		}
		if !y.value {
			return item{}, p.conditionAsValue(y)
		}
		x = p.binary(OpBitOr, x, y.x)
	}
	return item{x: x, value: true}, nil
}

// bitAnd = operand { "&" operand } .
func (p *exprParser) bitAnd() (item, error) {
	it, err := p.operand()
	if err != nil || !p.is('&') {
		return it, err
	}
	if !it.value {
		return item{}, p.conditionAsValue(it)
	}
	x := it.x
	for p.is('&') {
		p.skip()
		if !p.startsOperand() {
			return item{}, p.unexpected(wantValue)
		}
		y, err := p.operand()
		if err != nil {
			return item{}, err
		}
		if !y.value {
			return item{}, p.conditionAsValue(y)
		}
		x = p.binary(OpBitAnd, x, y.x)
	}
	return item{x: x, value: true}, nil
}

// operand = Number | Ident | "(" expr ")" . Parentheses around a value
// are a value; around a condition they are a condition.
func (p *exprParser) operand() (item, error) {
	if p.lex == nil && p.i < len(p.toks) {
		// The scanner's token as is, without making a lexer.Token of it.
		switch t := &p.toks[p.i]; t.typ() {
		case tokNumber:
			p.i++
			n := p.nodes.newNumber()
			n.Range = t.span()
			n.Text = t.value
			n.Value, _ = numberValue(t.value) // out-of-range literals were reported by the scanner
			return item{x: n, value: true}, nil
		case tokIdent:
			p.i++
			n := p.nodes.newIdent()
			n.Range, n.Name = t.span(), t.value
			return item{x: n, value: true}, nil
		}
	}
	t := p.next()
	switch t.Type {
	case tokNumber:
		v, _ := numberValue(t.Value) // out-of-range literals were reported by the scanner
		return item{x: p.nodes.number(Number{Range: NewRange(t.Pos, tokenEnd(t)), Text: t.Value, Value: v}), value: true}, nil
	case tokIdent:
		return item{x: p.nodes.ident(Ident{Range: NewRange(t.Pos, tokenEnd(t)), Name: t.Value}), value: true}, nil
	}
	// "(": callers checked startsOperand.
	if !p.is('!') && !p.startsOperand() {
		return item{}, p.unexpected(wantCondition + " or " + wantValue)
	}
	it, err := p.expr()
	if err != nil {
		return item{}, err
	}
	if !p.is(')') {
		return item{}, p.unexpected("`)`")
	}
	p.skip()
	it.paren, p.open = true, t.Pos
	return it, nil
}

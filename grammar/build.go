package grammar

import (
	"fmt"
	"sort"

	"github.com/alecthomas/participle/v2/lexer"
)

// builder turns the parse tree of one statement into the syntax tree,
// computes precise end positions, and reports lenient forms and the
// reference's expression depth limit.
type builder struct {
	toks     []token
	eof      lexer.Position
	byPos    map[lexer.Position]int // token index by start, when toks span several files
	maxDepth int
	diags    *Diagnostics
}

func newBuilder(toks []token, eof lexer.Position, maxDepth int, diags *Diagnostics) *builder {
	b := &builder{toks: toks, eof: eof, maxDepth: maxDepth, diags: diags}
	for _, t := range toks {
		if t.pos().Filename != toks[0].pos().Filename {
			b.byPos = make(map[lexer.Position]int, len(toks))
			for i, t := range toks {
				b.byPos[t.pos()] = i
			}
			break
		}
	}
	return b
}

// endBefore returns the end of the last token before the token at p, which
// is how participle's EndPos (the start of the next token) becomes the end
// of a node.
func (b *builder) endBefore(p lexer.Position) lexer.Position {
	if len(b.toks) == 0 {
		return p
	}
	idx := len(b.toks)
	if p != b.eof {
		idx = b.index(p)
	}
	if idx == 0 {
		return p
	}
	return b.toks[idx-1].end()
}

func (b *builder) span(pos, endPos lexer.Position) Range {
	return NewRange(pos, b.endBefore(endPos))
}

func (b *builder) warn(kind Kind, pos, end lexer.Position, hint, format string, args ...any) {
	*b.diags = append(*b.diags, Diagnostic{Pos: pos, End: end, Severity: Warning, Kind: kind, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (b *builder) errorf(kind Kind, pos, end lexer.Position, hint, format string, args ...any) {
	*b.diags = append(*b.diags, Diagnostic{Pos: pos, End: end, Severity: Error, Kind: kind, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// advanceText returns p moved past text on one line.
func advanceText(p lexer.Position, text string) lexer.Position {
	p.Offset += len(text)
	p.Column += len(text)
	return p
}

func (b *builder) ident(p *pIdent) *Ident {
	if p == nil {
		return nil
	}
	return &Ident{Range: NewRange(p.Pos, advanceText(p.Pos, p.Name)), Name: p.Name}
}

func (b *builder) number(p *pNumber) *Number {
	if p == nil {
		return nil
	}
	v, _ := numberValue(p.Text) // out-of-range literals were reported by the scanner
	return &Number{Range: NewRange(p.Pos, advanceText(p.Pos, p.Text)), Text: p.Text, Value: v}
}

func (b *builder) stmt(p *pStmt) Stmt {
	switch {
	case p.Define != nil:
		return &Define{Range: b.span(p.Define.Pos, p.Define.EndPos), Name: b.ident(p.Define.Name), Value: b.number(p.Define.Value)}
	case p.Policy != nil:
		return b.policy(p.Policy)
	case p.Default != nil:
		return b.dflt(p.Default)
	case p.Use != nil:
		return b.use(p.Use)
	case p.Block != nil:
		return b.block(p.Block)
	}
	return nil
}

func (b *builder) use(p *pUse) *Use {
	return &Use{Range: b.span(p.Pos, p.EndPos), Name: b.ident(p.Name)}
}

func (b *builder) dflt(p *pDefault) *Default {
	return &Default{Range: b.span(p.Pos, p.EndPos), Action: b.action(p.Action)}
}

func (b *builder) policy(p *pPolicy) *Policy {
	pol := &Policy{Range: b.span(p.Pos, p.EndPos), Name: b.ident(p.Name)}
	for i, item := range p.Body {
		st := b.policyItem(item)
		pol.Body = append(pol.Body, st)
		b.separator(item.Comma, i == len(p.Body)-1, st, "statements in a POLICY")
	}
	return pol
}

// policyItem builds one statement of a POLICY.
func (b *builder) policyItem(item *pPolicyItem) PolicyStmt {
	switch {
	case item.Use != nil:
		return b.use(item.Use)
	case item.Default != nil:
		d := b.dflt(item.Default)
		b.warn(KindDefaultInPolicy, d.Pos(), d.End(), "write `DEFAULT "+formatAction(d.Action)+"` once at file scope, after the `USE` of this policy",
			"DEFAULT inside a POLICY: the reference compiler accepts DEFAULT only at file scope")
		return d
	}
	return b.block(item.Block)
}

// separator checks the comma after an item of a comma-separated list: the
// reference wants one between items and none after the last.
func (b *builder) separator(comma *pComma, last bool, item Node, what string) {
	var pos *lexer.Position
	if comma != nil {
		pos = &comma.Pos
	}
	checkSeparator(b.diags, pos, last, item, what)
}

// checkSeparator reports a trailing comma (at comma, after the last item) or
// a missing one (comma nil after an item that is not the last).
func checkSeparator(diags *Diagnostics, comma *lexer.Position, last bool, item Node, what string) {
	switch {
	case comma != nil && last:
		*diags = append(*diags, Diagnostic{Pos: *comma, End: advanceText(*comma, ","), Severity: Warning, Kind: KindTrailingComma,
			Msg: "trailing comma after the last of the " + what + ": the reference compiler refuses it", Hint: "remove the `,` before `}`"})
	case comma == nil && !last:
		_, end := item.Span()
		*diags = append(*diags, Diagnostic{Pos: end, End: end, Severity: Warning, Kind: KindMissingComma,
			Msg: "missing comma between " + what + ": the reference compiler requires one", Hint: "add `,` here"})
	}
}

func (b *builder) block(p *pBlock) *ActionBlock {
	blk := &ActionBlock{Range: b.span(p.Pos, p.EndPos), Action: b.action(p.Action)}
	for i, item := range p.Rules {
		r := b.rule(item.Rule)
		blk.Rules = append(blk.Rules, r)
		b.separator(item.Comma, i == len(p.Rules)-1, r, "rules of an action block")
	}
	return blk
}

// actionKindOf returns the kind of the action keyword kw, 0 when kw is
// none (a switch: a map would be built at every start of the program).
func actionKindOf(kw string) ActionKind {
	switch kw {
	case "ALLOW":
		return ActionAllow
	case "LOG":
		return ActionLog
	case "KILL", "KILL_THREAD", "DENY":
		return ActionKill
	case "KILL_PROCESS":
		return ActionKillProcess
	case "USER_NOTIF":
		return ActionUserNotif
	case "ERRNO":
		return ActionErrno
	case "TRAP":
		return ActionTrap
	case "TRACE":
		return ActionTrace
	}
	return 0
}

func (b *builder) action(p *pAction) *Action {
	kw := p.Keyword
	if kw == "" {
		kw = p.Plain
	}
	return &Action{Range: b.span(p.Pos, p.EndPos), Kind: actionKindOf(kw), Keyword: kw, Param: b.number(p.Param)}
}

func (b *builder) rule(p *pRule) *Rule {
	r := &Rule{Range: b.span(p.Pos, p.EndPos)}
	sc := &Syscall{Name: b.ident(p.Name), Number: b.number(p.Number)}
	if sc.Name != nil {
		sc.Range = sc.Name.Range
	} else {
		// SYSCALL [ n ]: from the keyword to just past "]".
		sc.Range = NewRange(p.Pos, b.closingBracket(sc.Number.Pos()))
	}
	r.Syscall = sc
	if p.Params != nil {
		r.Params = &Params{Range: b.span(p.Params.Pos, p.Params.EndPos)}
		for _, n := range p.Params.Names {
			r.Params.Names = append(r.Params.Names, b.ident(n))
		}
	}
	if p.Arch != nil {
		r.Arch = &ArchGuard{Range: b.span(p.Arch.Pos, p.Arch.EndPos), Braced: p.Arch.Single == nil}
		if p.Arch.Single != nil {
			r.Arch.Names = []*Ident{b.ident(p.Arch.Single)}
		}
		for _, n := range p.Arch.Set {
			r.Arch.Names = append(r.Arch.Names, b.ident(n))
		}
	}
	if p.Filter != nil && p.Filter.Expr != nil {
		r.Filter = p.Filter.Expr
		b.checkFilter(r.Filter)
	}
	return r
}

// closingBracket returns the end of the token after the one at p (the "]"
// of SYSCALL[n], whose position participle does not record).
func (b *builder) closingBracket(p lexer.Position) lexer.Position {
	i := b.index(p)
	if i+1 < len(b.toks) {
		return b.toks[i+1].end()
	}
	return p
}

// index returns the index of the token that starts at p, or len(b.toks).
func (b *builder) index(p lexer.Position) int {
	if b.byPos != nil {
		if i, ok := b.byPos[p]; ok {
			return i
		}
		return len(b.toks)
	}
	i := sort.Search(len(b.toks), func(i int) bool { return b.toks[i].pos().Offset >= p.Offset })
	if i < len(b.toks) && b.toks[i].pos() != p {
		return len(b.toks)
	}
	return i
}

// checkFilter reports the lenient bare operands of a filter and enforces
// the reference's depth limit: leaves count 0 and each operator one more
// than its deepest operand; an operator whose operand is already at the
// limit is an error (reported once per filter).
func (b *builder) checkFilter(e Expr) {
	reported := false
	var depth func(e Expr) int
	depth = func(e Expr) int {
		var d int
		switch e := e.(type) {
		case *NotExpr:
			d = depth(e.X)
			if d >= b.maxDepth && !reported {
				reported = true
				b.errorf(KindLimit, e.Pos(), e.End(), "split the filter into several rules of the same block",
					"expression too deep: more than %d levels", b.maxDepth)
			}
			return d + 1
		case *BinaryExpr:
			if e.Implicit && !hasCondition(e.X) {
				b.warn(KindBareOperand, e.Pos(), e.End(), fmt.Sprintf("write `%s`", formatExpr(e)),
					"a value used as a condition: the reference compiler requires a comparison")
			}
			dx, dy := depth(e.X), depth(e.Y)
			if (dx >= b.maxDepth || dy >= b.maxDepth) && !reported {
				reported = true
				b.errorf(KindLimit, e.Pos(), e.End(), "split the filter into several rules of the same block",
					"expression too deep: more than %d levels", b.maxDepth)
			}
			return max(dx, dy) + 1
		}
		return 0
	}
	depth(e)
}

// hasCondition reports whether the value tree e holds a condition.
func hasCondition(e Expr) bool {
	switch e := e.(type) {
	case *NotExpr:
		return true
	case *BinaryExpr:
		return !e.Op.IsBitwise() || hasCondition(e.X) || hasCondition(e.Y)
	}
	return false
}

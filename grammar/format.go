package grammar

import (
	"bytes"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Format prints f as canonical, portable Kafel: one statement per line, a
// comma between the statements of a POLICY and between the rules of a
// block, no trailing commas, a bare operand written as `x != 0`, and
// parentheses only where precedence needs them. Keywords and number
// literals keep their spelling (DENY stays DENY, 0x10 stays 0x10).
// Comments of the file are kept: one before a statement, item or rule is
// printed on its own line before it; one that follows a rule or statement on
// its last line stays at the end of that line; others move to the next
// place where one can stand. A DEFAULT inside a POLICY is printed where it
// stands (moving it changes which policies carry it; that is the caller's
// decision). Format the File of a Parse without Options.Include: with it,
// included statements are in the tree as well as the directives.
func Format(f *File) []byte {
	p := printer{name: f.Name}
	for _, c := range f.Comments {
		if c.Pos().Filename == f.Name {
			p.comments = append(p.comments, c)
		}
	}
	var prev Stmt
	for _, st := range f.Stmts {
		if prev != nil && needsBlankLine(prev, st) {
			p.buf.WriteByte('\n')
		}
		start, end := st.Span()
		p.leading(start, 0)
		p.stmt(st, 0)
		p.trailing(end, noLimit)
		p.buf.WriteByte('\n')
		prev = st
	}
	if len(p.comments) > 0 {
		if prev != nil {
			p.buf.WriteByte('\n')
		}
		p.leading(lexer.Position{Filename: f.Name, Offset: noLimit}, 0)
	}
	return p.buf.Bytes()
}

// leading prints, each on its own line at depth, the comments of the file
// that come before pos.
func (p *printer) leading(pos lexer.Position, depth int) {
	if pos.Filename != p.name {
		return
	}
	for len(p.comments) > 0 && p.comments[0].Pos().Offset < pos.Offset {
		p.indent(depth)
		p.buf.WriteString(p.comments[0].Text)
		p.buf.WriteByte('\n')
		p.comments = p.comments[1:]
	}
}

// trailing appends to the current line the comments that follow end on
// its source line, before the offset limit (the next item or the brace
// that closes the list).
func (p *printer) trailing(end lexer.Position, limit int) {
	if end.Filename != p.name {
		return
	}
	for len(p.comments) > 0 && p.comments[0].Pos().Offset >= end.Offset && p.comments[0].Pos().Offset < limit &&
		p.comments[0].Pos().Line == end.Line && !strings.Contains(p.comments[0].Text, "\n") {
		p.buf.WriteString(" " + p.comments[0].Text)
		p.comments = p.comments[1:]
	}
}

// needsBlankLine separates statements of different kinds and multi-line ones.
func needsBlankLine(prev, next Stmt) bool {
	switch prev.(type) {
	case *Define, *Include:
		switch next.(type) {
		case *Define, *Include:
			return false
		}
	case *Use, *Default:
		switch next.(type) {
		case *Use, *Default:
			return false
		}
	}
	return true
}

type printer struct {
	buf      bytes.Buffer
	name     string     // the file whose comments print
	comments []*Comment // not printed yet, in source order
}

func (p *printer) indent(n int) {
	for i := 0; i < n; i++ {
		p.buf.WriteString("  ")
	}
}

func (p *printer) stmt(st Stmt, depth int) {
	p.indent(depth)
	switch st := st.(type) {
	case *Define:
		p.buf.WriteString("#define " + st.Name.Name + " " + st.Value.Text)
	case *Include:
		p.buf.WriteString("#include")
		for _, f := range st.Files {
			p.buf.WriteString(` "` + f.Value + `"`)
		}
	case *Policy:
		p.buf.WriteString("POLICY " + st.Name.Name + " {")
		if len(st.Body) == 0 {
			p.buf.WriteString("}")
			return
		}
		p.buf.WriteByte('\n')
		for i, item := range st.Body {
			start, end := item.Span()
			p.leading(start, depth+1)
			p.policyStmt(item, depth+1)
			limit := closingBrace(st.End()).Offset
			if i < len(st.Body)-1 {
				p.buf.WriteByte(',')
				next, _ := st.Body[i+1].Span()
				limit = next.Offset
			}
			p.trailing(end, limit)
			p.buf.WriteByte('\n')
		}
		p.leading(closingBrace(st.End()), depth+1)
		p.indent(depth)
		p.buf.WriteString("}")
	case *Use, *Default, *ActionBlock:
		p.policyStmt(st.(PolicyStmt), -1)
	}
}

// policyStmt prints a USE, DEFAULT or action block; depth < 0 means the
// indentation is already written (at depth 0).
func (p *printer) policyStmt(st PolicyStmt, depth int) {
	if depth >= 0 {
		p.indent(depth)
	} else {
		depth = 0
	}
	switch st := st.(type) {
	case *Use:
		p.buf.WriteString("USE " + st.Name.Name)
	case *Default:
		p.buf.WriteString("DEFAULT " + formatAction(st.Action))
	case *ActionBlock:
		p.buf.WriteString(formatAction(st.Action) + " {")
		if len(st.Rules) == 0 {
			p.buf.WriteString("}")
			return
		}
		p.buf.WriteByte('\n')
		for i, r := range st.Rules {
			p.leading(r.Pos(), depth+1)
			p.indent(depth + 1)
			p.buf.WriteString(formatRule(r))
			limit := closingBrace(st.End()).Offset
			if i < len(st.Rules)-1 {
				p.buf.WriteByte(',')
				limit = st.Rules[i+1].Pos().Offset
			}
			p.trailing(r.End(), limit)
			p.buf.WriteByte('\n')
		}
		p.leading(closingBrace(st.End()), depth+1)
		p.indent(depth)
		p.buf.WriteString("}")
	}
}

const noLimit = int(^uint(0) >> 1)

// closingBrace is the position of the `}` that ends at end.
func closingBrace(end lexer.Position) lexer.Position {
	end.Offset--
	end.Column--
	return end
}

func formatAction(a *Action) string {
	kw := a.Keyword
	if kw == "" {
		kw = a.Kind.String()
	}
	if a.Param != nil {
		return kw + "(" + a.Param.Text + ")"
	}
	return kw
}

func formatRule(r *Rule) string {
	var b strings.Builder
	if r.Syscall.Name != nil {
		b.WriteString(r.Syscall.Name.Name)
	} else if r.Syscall.Number != nil {
		b.WriteString("SYSCALL[" + r.Syscall.Number.Text + "]")
	}
	if r.Params != nil {
		b.WriteString("(")
		for i, n := range r.Params.Names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(n.Name)
		}
		b.WriteString(")")
	}
	if r.Arch != nil {
		b.WriteString(" ON ")
		if r.Arch.Braced || len(r.Arch.Names) != 1 {
			b.WriteString("{ ")
			for i, n := range r.Arch.Names {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(n.Name)
			}
			b.WriteString(" }")
		} else {
			b.WriteString(r.Arch.Names[0].Name)
		}
	}
	if r.Filter != nil {
		b.WriteString(" { " + formatExpr(r.Filter) + " }")
	}
	return b.String()
}

// Precedence levels, loosest first.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCompare
	precBitOr
	precBitAnd
	precAtom
)

func precedence(e Expr) int {
	switch e := e.(type) {
	case *BinaryExpr:
		switch {
		case e.Op == OpOr:
			return precOr
		case e.Op == OpAnd:
			return precAnd
		case e.Op.IsComparison():
			return precCompare
		case e.Op == OpBitOr:
			return precBitOr
		case e.Op == OpBitAnd:
			return precBitAnd
		}
	case *NotExpr:
		return precNot
	}
	return precAtom
}

// formatExpr prints e with the parentheses its tree shape needs (operators
// associate to the left, as the parser builds them).
func formatExpr(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

func writeExpr(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case *Number:
		b.WriteString(e.Text)
	case *Ident:
		b.WriteString(e.Name)
	case *NotExpr:
		b.WriteString("!")
		if _, ok := e.X.(*NotExpr); ok {
			writeExpr(b, e.X)
			return
		}
		b.WriteString("(")
		writeExpr(b, e.X)
		b.WriteString(")")
	case *BinaryExpr:
		prec := precedence(e)
		if e.Op.IsComparison() {
			// Kafel's | and & bind tighter than comparisons, unlike C's;
			// parentheses keep the printed text unambiguous to C readers.
			writeOperand(b, e.X, precAtom)
			b.WriteString(" " + e.Op.String() + " ")
			writeOperand(b, e.Y, precAtom)
			return
		}
		writeOperand(b, e.X, prec)
		b.WriteString(" " + e.Op.String() + " ")
		writeOperand(b, e.Y, prec+1)
	}
}

func writeOperand(b *strings.Builder, e Expr, min int) {
	if precedence(e) < min {
		b.WriteString("(")
		writeExpr(b, e)
		b.WriteString(")")
		return
	}
	writeExpr(b, e)
}

package kafel

import (
	"fmt"

	"github.com/gokafel/gokafel/grammar"
)

// Format loads the policy src like Load and prints its main file in the
// portable spelling that the reference compiler accepts: the grammar's
// canonical layout (commas between statements and rules, no trailing
// commas, bare operands as `x != 0`), libc syscall names replaced by the
// kernel's, generic argument names arg0..arg5 replaced by the declared or
// kernel names (or declared, where the syscall has no kernel names to
// hide), and a DEFAULT written inside a POLICY moved to file scope.
// Included files are read for checking but not rewritten. It fails with
// the load's *Error when the policy is refused.
func Format(name string, src []byte, opts Options) ([]byte, *Policy, error) {
	l := newLoader(name, src, opts)
	l.run()
	p, err := l.finish()
	if err != nil {
		return nil, nil, err
	}
	file, diags := grammar.Parse(name, src, nil)
	if diags.HasErrors() {
		return nil, nil, &Error{Diagnostics: diags, Sources: p.Sources}
	}
	fixes := map[int]string{}
	for _, f := range p.fixes {
		if f.Pos.Filename == name {
			fixes[f.Pos.Offset] = f.New
		}
	}
	declare := map[int]int{}
	for _, d := range p.declare {
		if d.file == name {
			declare[d.off] = d.n
		}
	}
	rename := func(id *grammar.Ident) {
		if id == nil {
			return
		}
		if n, ok := fixes[id.Pos().Offset]; ok {
			id.Name = n
		}
	}
	var moved *grammar.Default
	for _, s := range file.Stmts {
		switch s := s.(type) {
		case *grammar.Policy:
			body := s.Body[:0]
			for _, ps := range s.Body {
				switch ps := ps.(type) {
				case *grammar.Default:
					if moved == nil {
						moved = ps
					}
					continue
				case *grammar.ActionBlock:
					renameBlock(ps, rename, declare)
				}
				body = append(body, ps)
			}
			s.Body = body
		case *grammar.ActionBlock:
			renameBlock(s, rename, declare)
		}
	}
	// The loader took the first DEFAULT inside a policy as the file's when
	// the compilation had none at file scope; keep that meaning.
	if moved != nil && l.defltPos == moved.Pos() {
		file.Stmts = append(file.Stmts, moved)
	}
	return grammar.Format(file), p, nil
}

// renameBlock applies the identifier rewrites to a block's rules, and
// declares the generic argument names a rule uses where the reference
// would not know them (declare maps a rule's offset to how many).
func renameBlock(b *grammar.ActionBlock, rename func(*grammar.Ident), declare map[int]int) {
	for _, r := range b.Rules {
		if n, ok := declare[r.Pos().Offset]; ok {
			if r.Params == nil {
				r.Params = &grammar.Params{}
			}
			for i := len(r.Params.Names); i < n; i++ {
				r.Params.Names = append(r.Params.Names, &grammar.Ident{Name: fmt.Sprintf("arg%d", i)})
			}
		}
		if r.Syscall != nil {
			rename(r.Syscall.Name)
		}
		if r.Filter != nil {
			renameExpr(r.Filter, rename)
		}
	}
}

func renameExpr(e grammar.Expr, rename func(*grammar.Ident)) {
	switch e := e.(type) {
	case *grammar.Ident:
		rename(e)
	case *grammar.NotExpr:
		renameExpr(e.X, rename)
	case *grammar.BinaryExpr:
		renameExpr(e.X, rename)
		renameExpr(e.Y, rename)
	}
}

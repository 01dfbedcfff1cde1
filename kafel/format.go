package kafel

import (
	"github.com/gokafel/gokafel/grammar"
)

// Format loads the policy src like Load and prints its main file in the
// portable spelling that the reference compiler accepts: the grammar's
// canonical layout (commas between statements and rules, no trailing
// commas, bare operands as `x != 0`), libc syscall names replaced by the
// kernel's, generic argument names arg0..arg5 replaced by the declared or
// kernel names, and a DEFAULT written inside a POLICY moved to file scope.
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
	rename := func(id *grammar.Ident) {
		if id == nil {
			return
		}
		if n, ok := fixes[id.Pos.Offset]; ok {
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
					renameBlock(ps, rename)
				}
				body = append(body, ps)
			}
			s.Body = body
		case *grammar.ActionBlock:
			renameBlock(s, rename)
		}
	}
	// The loader took the first DEFAULT inside a policy as the file's when
	// the compilation had none at file scope; keep that meaning.
	if moved != nil && l.defltPos == moved.Pos {
		file.Stmts = append(file.Stmts, moved)
	}
	return grammar.Format(file), p, nil
}

func renameBlock(b *grammar.ActionBlock, rename func(*grammar.Ident)) {
	for _, r := range b.Rules {
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

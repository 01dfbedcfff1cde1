package bpfgen

// Eval is the direct meaning of the rule set, the oracle the compiled
// filter is tested against: the action the filter must return for d.
//
// An arch not in rs.Arches gets rs.ForeignArch, and so does an x32
// syscall number on x86_64 (see IsX32) unless that arch allows x32. Otherwise the
// first rule of the syscall whose condition holds gives the action, and
// the arch's Default applies when none does.
func (rs *RuleSet) Eval(d SeccompData) Action {
	ar := rs.evalArch(d.Arch)
	if ar == nil {
		return rs.ForeignArch
	}
	nr := uint32(d.Nr)
	if ar.AuditArch == auditArchX86_64 && !ar.AllowX32 && IsX32(nr) {
		return rs.ForeignArch
	}
	for _, r := range ar.Syscalls[nr] {
		if r.Cond == nil || EvalExpr(r.Cond, d.Args) {
			return r.Action
		}
	}
	return ar.Default
}

// evalArch returns the first rules for arch, or nil.
func (rs *RuleSet) evalArch(arch uint32) *ArchRules {
	for i := range rs.Arches {
		if rs.Arches[i].AuditArch == arch {
			return &rs.Arches[i]
		}
	}
	return nil
}

// EvalExpr reports whether e holds for the syscall arguments args.
// Comparisons are unsigned; a Compare with Is32 set compares the low 32
// bits of both sides, otherwise the full 64-bit values.
func EvalExpr(e Expr, args [6]uint64) bool {
	switch e := e.(type) {
	case nil:
		return true
	case *And:
		return EvalExpr(e.X, args) && EvalExpr(e.Y, args)
	case *Or:
		return EvalExpr(e.X, args) || EvalExpr(e.Y, args)
	case *Not:
		return !EvalExpr(e.X, args)
	case *Compare:
		x, y := EvalValue(e.X, args), EvalValue(e.Y, args)
		if e.Is32 {
			x, y = uint64(uint32(x)), uint64(uint32(y))
		}
		return cmpHolds(e.Op, x, y)
	}
	panic("bpfgen: unknown Expr type")
}

// EvalValue computes the 64-bit value of v for the syscall arguments args.
func EvalValue(v Value, args [6]uint64) uint64 {
	switch v := v.(type) {
	case Arg:
		return args[v]
	case Const:
		return uint64(v)
	case *BitAnd:
		return EvalValue(v.X, args) & EvalValue(v.Y, args)
	case *BitOr:
		return EvalValue(v.X, args) | EvalValue(v.Y, args)
	}
	panic("bpfgen: unknown Value type")
}

// cmpHolds applies op to x and y, unsigned.
func cmpHolds(op CmpOp, x, y uint64) bool {
	switch op {
	case Eq:
		return x == y
	case Ne:
		return x != y
	case Lt:
		return x < y
	case Le:
		return x <= y
	case Gt:
		return x > y
	case Ge:
		return x >= y
	}
	panic("bpfgen: unknown CmpOp")
}

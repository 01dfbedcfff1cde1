package kafel

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gokafel/gokafel/bpfgen"
)

// dumpRules prints an arch's rules one per line, by syscall number then
// order: `name(nr): cond -> action`, where each comparison is followed by
// /32 or /64. Tests compare against it, so that a failure shows the rules.
func dumpRules(ar bpfgen.ArchRules) string {
	var b strings.Builder
	fmt.Fprintf(&b, "default %s\n", ar.Default)
	nrs := make([]uint32, 0, len(ar.Syscalls))
	for nr := range ar.Syscalls {
		nrs = append(nrs, nr)
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
	for _, nr := range nrs {
		label := fmt.Sprint(int32(nr))
		if n, ok := ar.Names[nr]; ok {
			label = fmt.Sprintf("%s(%d)", n, nr)
		}
		for _, r := range ar.Syscalls[nr] {
			c := "true"
			if r.Cond != nil {
				c = dumpExpr(r.Cond)
			}
			fmt.Fprintf(&b, "%s: %s -> %s\n", label, c, r.Action)
		}
	}
	return b.String()
}

var opText = map[bpfgen.CmpOp]string{
	bpfgen.Eq: "==", bpfgen.Ne: "!=", bpfgen.Lt: "<", bpfgen.Le: "<=", bpfgen.Gt: ">", bpfgen.Ge: ">=",
}

func dumpExpr(e bpfgen.Expr) string {
	switch e := e.(type) {
	case *bpfgen.And:
		return "(" + dumpExpr(e.X) + " && " + dumpExpr(e.Y) + ")"
	case *bpfgen.Or:
		return "(" + dumpExpr(e.X) + " || " + dumpExpr(e.Y) + ")"
	case *bpfgen.Not:
		return "!" + dumpExpr(e.X)
	case *bpfgen.Compare:
		w := "/64"
		if e.Is32 {
			w = "/32"
		}
		return dumpValue(e.X) + " " + opText[e.Op] + " " + dumpValue(e.Y) + w
	}
	return fmt.Sprintf("?%T", e)
}

func dumpValue(v bpfgen.Value) string {
	switch v := v.(type) {
	case bpfgen.Arg:
		return fmt.Sprintf("a%d", int(v))
	case bpfgen.Const:
		return fmt.Sprintf("%#x", uint64(v))
	case *bpfgen.BitAnd:
		return "(" + dumpValue(v.X) + " & " + dumpValue(v.Y) + ")"
	case *bpfgen.BitOr:
		return "(" + dumpValue(v.X) + " | " + dumpValue(v.Y) + ")"
	}
	return fmt.Sprintf("?%T", v)
}

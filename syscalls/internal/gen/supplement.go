package main

import (
	"fmt"
	"strconv"
	"strings"
)

// supplement holds the reviewed additions of supplement.txt.
type supplement struct {
	calls    []suppCall
	defs     map[string]*def
	renames  []suppRename
	aliases  []suppAlias
	argNames []suppArgName
}

// suppCall is a syscall added after the kernel the tarball holds.
type suppCall struct {
	arches []string // nil: every arch
	nr     uint32   // without the arch's base
	name   string
}

// suppRename gives a removed call (sys_ni_syscall in the table) the name
// its entry point had.
type suppRename struct {
	arches     []string
	table, new string
}

// suppArgName adds an old name of an argument.
type suppArgName struct {
	arches            []string
	syscall, arg, old string
}

// applyArgNames adds the old argument names for arch to e.
func (s *supplement) applyArgNames(arch string, e *entry) error {
	for _, a := range s.argNames {
		if a.syscall != e.name || !appliesTo(a.arches, arch) {
			continue
		}
		found := false
		for i := range e.args {
			if e.args[i].name == a.arg {
				e.args[i].oldNames = append(e.args[i].oldNames, a.old)
				found = true
			}
		}
		if !found {
			return fmt.Errorf("supplement: %s has no argument %s on %s", e.name, a.arg, arch)
		}
	}
	return nil
}

// suppAlias adds an alias name for an entry.
type suppAlias struct {
	arches       []string
	name, target string
}

func appliesTo(arches []string, arch string) bool {
	if arches == nil {
		return true
	}
	for _, a := range arches {
		if a == arch {
			return true
		}
	}
	return false
}

func (c suppCall) appliesTo(arch string) bool  { return appliesTo(c.arches, arch) }
func (a suppAlias) appliesTo(arch string) bool { return appliesTo(a.arches, arch) }

func (s *supplement) renamed(arch, table string) (string, bool) {
	for _, r := range s.renames {
		if r.table == table && appliesTo(r.arches, arch) {
			return r.new, true
		}
	}
	return "", false
}

func parseArches(f string) []string {
	if f == "*" {
		return nil
	}
	return strings.Split(f, ",")
}

// parseSupplement reads supplement.txt. Lines:
//
//	call ARCHES NR NAME          a syscall added after the tarball's kernel
//	def NAME(C PARAMETERS)       its definition (as SYSCALL_DEFINE spells it)
//	rename ARCHES TABLE NAME     name of a removed call's old entry point
//	alias ARCHES NAME TARGET     an extra alias
//	argname ARCHES SYSCALL ARG OLDNAME
//	                             an older name of an argument, still accepted
//
// ARCHES is "*" or a comma-separated list; NR is the table number
// without the arch's base. '#' starts a comment.
func parseSupplement(text string) (*supplement, error) {
	s := &supplement{defs: map[string]*def{}}
	for i, l := range strings.Split(text, "\n") {
		if j := strings.IndexByte(l, '#'); j >= 0 {
			l = l[:j]
		}
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		kw, rest, _ := strings.Cut(l, " ")
		f := strings.Fields(rest)
		bad := func(why string) error { return fmt.Errorf("line %d: %s: %q", i+1, why, l) }
		switch kw {
		case "call":
			if len(f) != 3 {
				return nil, bad("want: call ARCHES NR NAME")
			}
			n, err := strconv.ParseUint(f[1], 10, 32)
			if err != nil {
				return nil, bad(err.Error())
			}
			s.calls = append(s.calls, suppCall{arches: parseArches(f[0]), nr: uint32(n), name: f[2]})
		case "def":
			name, params, ok := strings.Cut(rest, "(")
			if !ok || !strings.HasSuffix(params, ")") {
				return nil, bad("want: def NAME(PARAMS)")
			}
			ps, ok := parseProto(strings.TrimSuffix(params, ")"))
			if !ok {
				return nil, bad("cannot parse the parameters")
			}
			name = strings.TrimSpace(name)
			s.defs[name] = &def{name: name, file: "supplement.txt", line: i + 1, params: ps}
		case "rename":
			if len(f) != 3 {
				return nil, bad("want: rename ARCHES TABLE NAME")
			}
			s.renames = append(s.renames, suppRename{arches: parseArches(f[0]), table: f[1], new: f[2]})
		case "argname":
			if len(f) != 4 {
				return nil, bad("want: argname ARCHES SYSCALL ARG OLDNAME")
			}
			s.argNames = append(s.argNames, suppArgName{arches: parseArches(f[0]), syscall: f[1], arg: f[2], old: f[3]})
		case "alias":
			if len(f) != 3 {
				return nil, bad("want: alias ARCHES NAME TARGET")
			}
			s.aliases = append(s.aliases, suppAlias{arches: parseArches(f[0]), name: f[1], target: f[2]})
		default:
			return nil, bad("unknown keyword")
		}
	}
	for _, c := range s.calls {
		if _, ok := s.defs[c.name]; !ok {
			return nil, fmt.Errorf("call %s has no def line", c.name)
		}
	}
	return s, nil
}

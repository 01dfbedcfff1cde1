package kafel

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/grammar"
	"github.com/gokafel/gokafel/syscalls"
)

// resolved is one rule of one policy for one arch.
type resolved struct {
	nr   uint32
	rule bpfgen.Rule
}

// argName is an argument name usable in a filter, with its width.
type argName struct {
	name string
	size int
}

// resolveArch checks every policy (used or not, as the reference does)
// against one arch and expands the top-level policy into its rules.
func (l *loader) resolveArch(arch *syscalls.Arch) bpfgen.ArchRules {
	key := archKey(arch)
	// Room up front for as many numbers as there are rules, within what
	// an arch's table holds (a large policy repeats its numbers).
	nrules := 0
	for _, p := range l.defs {
		for _, it := range p.items {
			if it.block != nil {
				nrules += len(it.block.rules)
			}
		}
	}
	nrules = min(nrules, 1024)
	ar := bpfgen.ArchRules{
		AuditArch: arch.AuditArch,
		BigEndian: arch.BigEndian,
		AllowX32:  l.opts.AllowX32,
		Default:   bpfgen.KillThread,
		Syscalls:  make(map[uint32][]bpfgen.Rule, nrules),
		Names:     make(map[uint32]string, nrules),
	}
	if l.deflt != nil {
		ar.Default = *l.deflt
	}
	blocks := map[*blockDef][]resolved{}
	total := 0
	for _, p := range l.defs {
		for _, it := range p.items {
			if it.block == nil {
				continue
			}
			rs := make([]resolved, 0, len(it.block.rules))
			for _, r := range it.block.rules {
				if x, ok := l.resolveRule(arch, key, r, it.block.action, ar.Names); ok {
					rs = append(rs, x)
				}
			}
			blocks[it.block] = rs
			total += len(rs)
		}
	}
	// Expand USEs in place. A policy is expanded once: a second copy of
	// its rules could never match first, so it is skipped, as in the
	// reference (this also keeps repeated USEs from growing exponentially).
	used := map[*policyDef]bool{}
	// The first rule of each syscall goes into one array for all (most
	// syscalls have one rule); a second one moves its syscall's out.
	firsts := make([]bpfgen.Rule, total)
	var expand func(p *policyDef)
	expand = func(p *policyDef) {
		for _, it := range p.items {
			if it.use != nil {
				if !used[it.use] {
					used[it.use] = true
					expand(it.use)
				}
				continue
			}
			for _, x := range blocks[it.block] {
				rules := ar.Syscalls[x.nr]
				if n := len(rules); n > 0 && rules[n-1].Cond == nil {
					continue // an unconditional rule already decides
				}
				if rules == nil && len(firsts) > 0 {
					rules, firsts = firsts[:0:1], firsts[1:]
				}
				ar.Syscalls[x.nr] = append(rules, x.rule)
			}
		}
	}
	expand(l.main)
	return ar
}

const auditArchX86_64 = 0xc000003e // AUDIT_ARCH_X86_64

// resolveRule resolves a rule's syscall and argument names on arch. It
// reports false when the rule does not apply (guarded out, unknown names,
// or a filter that never holds).
func (l *loader) resolveRule(arch *syscalls.Arch, key string, r *ruleDef, action bpfgen.Action, names map[uint32]string) (resolved, bool) {
	if r.guard != nil && !r.guard[key] {
		return resolved{}, false
	}
	var sc *syscalls.Syscall
	nr := r.nr
	if !r.custom {
		s, ok := arch.Lookup(r.name)
		if !ok {
			l.errorf(r.namePos(), KindUndefined, l.syscallHint(arch, r.name), "unknown syscall `%s` on %s", r.name, arch.Name)
			return resolved{}, false
		}
		if s.IsAlias() {
			l.warnf(r.namePos(), KindSyscallAlias, fmt.Sprintf("write `%s`", s.AliasOf),
				"`%s` is a libc name: use `%s`; the reference compiler does not know `%s` on %s", r.name, s.AliasOf, r.name, arch.Name)
			l.voteFix(r.namePos(), r.name, s.AliasOf)
			names[s.Nr] = s.AliasOf
		} else {
			names[s.Nr] = s.Name
			if len(l.opts.Arches) > 1 {
				// The name is right here, against a rewrite on another
				// arch (with one arch the vote could never count).
				l.voteFix(r.namePos(), r.name, r.name)
			}
		}
		sc, nr = s, s.Nr
	}
	if r.custom {
		if s, ok := arch.ByNumber(nr); ok {
			names[nr] = s.Name
		}
		if arch.AuditArch == auditArchX86_64 && bpfgen.IsX32(nr) && !l.opts.AllowX32 {
			l.report(grammar.Diagnostic{Pos: r.src.Pos(), End: r.src.Pos(), Severity: grammar.Note, Kind: KindX32,
				Msg:  fmt.Sprintf("syscall number %#x is an x32 number: on x86_64 it is treated as a foreign arch and killed, so this rule never applies there", nr),
				Hint: "allow x32 syscalls (--allow-x32) for the rule to apply; the reference compiler does not check x32 numbers"})
		}
	}
	rule := bpfgen.Rule{Action: action}
	if r.filter != nil {
		f, ok := l.fold(arch, r, sc, r.filter)
		if !ok {
			return resolved{}, false
		}
		switch f.kind {
		case kFalse:
			return resolved{}, false
		case kTrue:
		default:
			rule.Cond = f.expr
		}
	}
	return resolved{nr: nr, rule: rule}, true
}

// ruleArgs returns the argument names of rule r of syscall sc (nil for a
// custom number), for a hint, in l.args, which it reuses.
func (l *loader) ruleArgs(r *ruleDef, sc *syscalls.Syscall) []argName {
	args := l.args[:0]
	switch {
	case r.declared:
		for _, p := range r.params {
			args = append(args, argName{p, 8})
		}
	case sc != nil:
		for _, a := range sc.Args {
			args = append(args, argName{a.Name, a.Size})
		}
	}
	l.args = args
	return args
}

// resolveArg resolves the argument name id of rule r on arch to its
// index and width, and reports an unknown name.
func (l *loader) resolveArg(arch *syscalls.Arch, r *ruleDef, sc *syscalls.Syscall, id *grammar.Ident) (i, size int, ok bool) {
	if r.declared {
		// Declared names are 8 bytes wide.
		for i, p := range r.params {
			if p == id.Name {
				return i, 8, true
			}
		}
	} else if sc != nil {
		// The kernel names, then earlier ones that the reference's
		// tables still use.
		if i := sc.ArgIndex(id.Name); i >= 0 {
			return i, sc.Args[i].Size, true
		}
	}
	if i, ok := genericArg(id.Name); ok {
		size := 8
		portable := ""
		switch {
		case r.declared && i < len(r.params):
			portable = r.params[i]
		case !r.declared && sc != nil && i < len(sc.Args):
			size, portable = sc.Args[i].Size, sc.Args[i].Name
		}
		if portable != "" {
			l.warnf(id.Pos(), KindGenericArg, fmt.Sprintf("write `%s`", portable),
				"generic argument name `%s`: use `%s`; the reference compiler knows only the declared or kernel names", id.Name, portable)
			l.voteFix(id.Pos(), id.Name, portable)
		} else {
			l.warnf(id.Pos(), KindGenericArg, fmt.Sprintf("declare the names: %s(a, b, ...)", l.ruleLabel(r)),
				"generic argument name `%s`: the reference compiler knows only declared or kernel names", id.Name)
			// Declaring the generic names keeps the meaning (declared
			// names are 8 bytes wide, as generic ones are here) when
			// no kernel name of the rule is hidden by it.
			if r.declared || sc == nil || len(sc.Args) == 0 {
				k := fixKey{r.src.Pos().Filename, r.src.Pos().Offset}
				if n, ok := l.declare[k]; !ok || n < i+1 {
					l.declare[k] = i + 1
				}
			}
		}
		return i, size, true
	}
	l.errorf(id.Pos(), KindUndefined, argHint(r, l.ruleArgs(r, sc), id.Name), "unknown argument `%s` of %s on %s", id.Name, l.ruleLabel(r), arch.Name)
	return 0, 0, false
}

// genericArg reports whether name is arg0..arg5 and which.
func genericArg(name string) (int, bool) {
	if len(name) == 4 && strings.HasPrefix(name, "arg") && name[3] >= '0' && name[3] < '0'+maxArgs {
		return int(name[3] - '0'), true
	}
	return 0, false
}

func (l *loader) ruleLabel(r *ruleDef) string {
	if r.custom {
		return fmt.Sprintf("SYSCALL[%d]", int32(r.nr))
	}
	return "`" + r.name + "`"
}

// replacement returns the syscall that replaces name on newer arches
// (aarch64, riscv64), which do not have name. (A switch: a map would be
// built at every start of every program that imports the package.)
func replacement(name string) (string, bool) {
	switch name {
	case "open", "creat":
		return "openat", true
	case "stat", "lstat":
		return "newfstatat", true
	case "access":
		return "faccessat", true
	case "pipe":
		return "pipe2", true
	case "dup2":
		return "dup3", true
	case "poll", "pause":
		return "ppoll", true
	case "select":
		return "pselect6", true
	case "fork", "vfork":
		return "clone", true
	case "mkdir":
		return "mkdirat", true
	case "rmdir", "unlink":
		return "unlinkat", true
	case "rename":
		return "renameat2", true
	case "link":
		return "linkat", true
	case "symlink":
		return "symlinkat", true
	case "readlink":
		return "readlinkat", true
	case "chmod":
		return "fchmodat", true
	case "chown", "lchown":
		return "fchownat", true
	case "mknod":
		return "mknodat", true
	case "utimes", "futimesat":
		return "utimensat", true
	case "epoll_wait":
		return "epoll_pwait", true
	case "epoll_create":
		return "epoll_create1", true
	case "getdents":
		return "getdents64", true
	case "time":
		return "clock_gettime", true
	case "alarm":
		return "setitimer", true
	case "signalfd":
		return "signalfd4", true
	case "eventfd":
		return "eventfd2", true
	case "inotify_init":
		return "inotify_init1", true
	case "getpgrp":
		return "getpgid", true
	case "ustat":
		return "statfs", true
	}
	return "", false
}

// maxHints bounds the searches for a near name, so that a policy full of
// unknown names still loads quickly.
const maxHints = 256

func argHint(r *ruleDef, args []argName, name string) string {
	if len(args) == 0 {
		if r.declared {
			return "the declared list names no arguments"
		}
		return "this syscall has no argument names here; declare them, e.g. SYSCALL[n](a, b) { a == 1 }"
	}
	var ns []string
	for _, a := range args {
		ns = append(ns, a.name)
	}
	if h := didYouMean(name, ns); h != "" {
		return h
	}
	return "the arguments are " + strings.Join(ns, ", ")
}

// syscallHint suggests a name for an unknown syscall: the kernel name when
// name is a libc alias on another arch, else the nearest name on this
// arch; and it says on which other arches name exists.
func (l *loader) syscallHint(arch *syscalls.Arch, name string) string {
	if l.hintBudget++; l.hintBudget > maxHints {
		return ""
	}
	var elsewhere []string
	hint := ""
	for _, o := range syscalls.Arches() {
		if o == arch {
			continue
		}
		s, ok := o.Lookup(name)
		if !ok {
			continue
		}
		if s.IsAlias() {
			if _, ok := arch.Lookup(s.AliasOf); ok && hint == "" {
				hint = fmt.Sprintf("did you mean `%s`? (`%s` is a libc name)", s.AliasOf, name)
			}
			continue
		}
		elsewhere = append(elsewhere, o.Name)
	}
	if r, ok := replacement(name); ok && hint == "" {
		if _, ok := arch.Lookup(r); ok {
			hint = fmt.Sprintf("%s has no `%s`; its replacement is `%s`", arch.Name, name, r)
		}
	}
	if hint == "" {
		hint = didYouMean(name, l.syscallNames(arch))
	}
	if len(elsewhere) > 0 {
		if hint != "" {
			hint += ". "
		}
		hint += fmt.Sprintf("`%s` exists on %s; guard the rule with ON { %s } to keep it for those arches", name, strings.Join(elsewhere, ", "), strings.Join(elsewhere, ", "))
	}
	return hint
}

func (l *loader) syscallNames(arch *syscalls.Arch) []string {
	if ns, ok := l.names[arch]; ok {
		return ns
	}
	var ns []string
	for _, s := range arch.Syscalls() {
		ns = append(ns, s.Name)
	}
	if l.names == nil {
		l.names = map[*syscalls.Arch][]string{}
	}
	l.names[arch] = ns
	return ns
}

// voteFix records a portable rewrite; rewrites that differ between arches
// for the same identifier are dropped.
func (l *loader) voteFix(pos Pos, old, new string) {
	k := fixKey{pos.Filename, pos.Offset}
	if v, ok := l.fixes[k]; ok {
		if v.fix.New != new {
			v.conflict = true
		}
		return
	}
	l.fixes[k] = &fixVote{fix: Fix{Pos: pos, Old: old, New: new}}
}

// mergeArches joins findings that differ only in the arch they name at the
// end of their message (`... on x86_64` and `... on x86` become
// `... on x86_64, x86`), so that a multi-arch load does not repeat itself.
func (l *loader) mergeArches() {
	if len(l.opts.Arches) < 2 {
		return
	}
	type key struct {
		pos       Pos
		sev       grammar.Severity
		kind      grammar.Kind
		msg, hint string
	}
	first := map[key]int{}
	out := l.diags[:0]
	for _, d := range l.diags {
		base, arch := "", ""
		for _, a := range l.opts.Arches {
			if strings.HasSuffix(d.Msg, " on "+a.Name) {
				base, arch = strings.TrimSuffix(d.Msg, " on "+a.Name), a.Name
				break
			}
		}
		if arch == "" {
			out = append(out, d)
			continue
		}
		k := key{d.Pos, d.Severity, d.Kind, base, d.Hint}
		if i, ok := first[k]; ok {
			out[i].Msg += ", " + arch
			continue
		}
		first[k] = len(out)
		out = append(out, d)
	}
	l.diags = out
}

// finish applies strict mode, sorts the findings and builds the result.
func (l *loader) finish() (*Policy, error) {
	l.mergeArches()
	if l.opts.Strict {
		for i := range l.diags {
			if d := &l.diags[i]; d.Severity == grammar.Warning {
				d.Severity = grammar.Error
				d.Msg += " (strict mode)"
			}
		}
	}
	l.diags.Sort()
	if l.diags.HasErrors() {
		return nil, &Error{Diagnostics: l.diags, Sources: l.sources}
	}
	p := &Policy{
		Name:     l.name,
		Arches:   l.opts.Arches,
		Default:  bpfgen.KillThread,
		Warnings: l.diags,
		Sources:  l.sources,
		ruleSet:  l.ruleSet,
	}
	if l.deflt != nil {
		p.Default = *l.deflt
	}
	for _, v := range l.fixes {
		if !v.conflict && v.fix.New != v.fix.Old {
			p.fixes = append(p.fixes, v.fix)
		}
	}
	for k, n := range l.declare {
		p.declare = append(p.declare, declareFix{file: k.file, off: k.off, n: n})
	}
	sort.Slice(p.fixes, func(i, j int) bool {
		a, b := p.fixes[i].Pos, p.fixes[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	return p, nil
}

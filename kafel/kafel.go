package kafel

import (
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/gokafel/gokafel/bpfgen"
	"github.com/gokafel/gokafel/grammar"
	"github.com/gokafel/gokafel/syscalls"
)

// Options configure Load and Compile. The zero value compiles for the host
// arch, reads no include files and accepts the lenient forms with warnings.
type Options struct {
	// IncludePaths are the directories searched, in order, for the files
	// named by #include. A file is found only under one of them.
	IncludePaths []string
	// Arches are the target arches; empty means the host arch.
	Arches []*syscalls.Arch
	// Strict turns every portability warning into an error, so that a
	// policy is accepted only when the reference compiler accepts it.
	Strict bool
	// AllowX32 lets x32 syscalls (0x40000000..0x7fffffff) through the x86_64 part
	// of the filter instead of treating them as a foreign arch.
	AllowX32 bool
	// ReadFile reads an include file; os.ReadFile when nil.
	ReadFile func(path string) ([]byte, error)
}

// Policy is a loaded and checked policy: the ordered rules of every target
// arch and the diagnostics that did not stop it.
type Policy struct {
	// Name is the name the main source was loaded under.
	Name string
	// Arches are the target arches, in the order given.
	Arches []*syscalls.Arch
	// Default is the action when no rule holds (KILL when the policy has no
	// DEFAULT).
	Default bpfgen.Action
	// Warnings are the portability warnings and notes found while loading.
	Warnings Diagnostics
	// Sources holds the text of every file read, by name, for Render.
	Sources map[string][]byte

	ruleSet *bpfgen.RuleSet
	fixes   []Fix
	declare []declareFix
}

// declareFix asks for the generic names arg0..arg(n-1) to be declared on
// the rule at offset off of file (for kafel fmt).
type declareFix struct {
	file string
	off  int
	n    int
}

// RuleSet returns the policy in the code generator's form: for each target
// arch, the rules of each syscall number in order, and the default action.
// The result is shared; callers must not modify it.
func (p *Policy) RuleSet() *bpfgen.RuleSet { return p.ruleSet }

// Fix is a rewrite to the portable spelling that kafel fmt can apply: the
// identifier at Pos (in Pos.Filename) written Old should read New.
type Fix struct {
	Pos      lexer.Position
	Old, New string
}

// Fixes returns the identifier rewrites (libc syscall names to kernel
// names, generic argument names to declared or kernel ones) that make the
// policy portable, sorted by position. A rewrite that would differ between
// target arches is left out.
func (p *Policy) Fixes() []Fix { return append([]Fix(nil), p.fixes...) }

// Load reads, checks and resolves the Kafel policy src, named name in
// diagnostics ("<stdin>" for standard input). On failure the error is an
// *Error holding every diagnostic found (errors and warnings); use
// errors.As with *Error or Diagnostics to inspect it.
func Load(name string, src []byte, opts Options) (*Policy, error) {
	s := getScratch()
	defer s.release()
	// The syntax tree and the checked rules are dropped once loaded (the
	// Policy holds the rule set, positions and text, no node of the tree):
	// they come from the scratch. The rule set's nodes, which the Policy
	// keeps, do not.
	l := newLoader(name, src, opts)
	l.arena, l.ruleDefs = &s.nodes, &s.ruleDefs
	l.run()
	return l.finish()
}

// Kinds of the findings of the checker (the grammar defines the syntactic ones).
const (
	KindUndefined     grammar.Kind = "undefined"      // unknown syscall, argument, policy or arch name
	KindRedefined     grammar.Kind = "redefined"      // a policy, constant, argument or DEFAULT given twice
	KindRange         grammar.Kind = "range"          // a number out of range for its place
	KindSyscallAlias  grammar.Kind = "syscall-alias"  // Warning: a libc syscall name the reference does not know
	KindGenericArg    grammar.Kind = "generic-arg"    // Warning: arg0..arg5 where the syscall has other names
	KindDefaultClash  grammar.Kind = "default-clash"  // DEFAULT inside a POLICY that differs from the file's
	KindEmpty         grammar.Kind = "empty"          // nothing to compile
	KindInvalidFilter grammar.Kind = "invalid-filter" // a filter of the wrong shape
	KindX32           grammar.Kind = "x32"            // Note: a rule for an x32 number on x86_64, where x32 is foreign
)

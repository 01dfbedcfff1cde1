package syscalls

import (
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Arch describes one architecture (ABI) and holds its syscall table.
type Arch struct {
	// Name is the canonical Kafel name, e.g. "x86_64", "aarch64", "mips".
	Name string
	// Aliases are other names accepted for the arch ("amd64", "arm64").
	Aliases []string
	// AuditArch is the AUDIT_ARCH_* value the kernel puts in seccomp_data.arch.
	AuditArch uint32
	// WordSize is the size of a pointer or long in bytes (4 or 8).
	WordSize int
	// BigEndian reports whether the arch is big-endian; in seccomp_data the
	// high word of an argument then comes first.
	BigEndian bool
	// GOARCH is the Go name of the arch when Go supports it as a host.
	GOARCH string

	// entries and aliases are the generated table (z*.go), laid out by
	// the linker: reading them costs nothing at start-up.
	entries []Syscall
	aliases []alias
	index   *lookupIndex
}

// Syscall is one entry of a table.
type Syscall struct {
	// Name is the name the reference Kafel compiler uses.
	Name string
	// Nr is the syscall number on the arch (with the arch's base, e.g. 4000 on mips o32).
	Nr uint32
	// Args are the kernel's parameter names and widths, in order.
	Args []Arg
	// AliasOf is non-empty when Name is an alias (a libc name such as
	// "uname") of the canonical entry named AliasOf.
	AliasOf string
}

// Arg is one syscall parameter.
type Arg struct {
	// Name is the kernel's parameter name.
	Name string
	// Size is the width in bytes: 2 for umode_t-like, 4 for int-like,
	// the word size for pointers, longs and size_t, 8 for 64-bit types.
	Size int
	// OldNames are earlier names of the parameter that the reference
	// Kafel compiler's tables still use (setns "nstype", now "flags").
	// Policies may use them; Name is the portable spelling.
	OldNames []string
}

// IsAlias reports whether s is an alias of another entry.
func (s *Syscall) IsAlias() bool { return s.AliasOf != "" }

// ArgIndex returns the position of the argument called name, or -1. An
// argument's OldNames count when no argument has name as its Name.
func (s *Syscall) ArgIndex(name string) int {
	for i, a := range s.Args {
		if a.Name == name {
			return i
		}
	}
	for i, a := range s.Args {
		for _, old := range a.OldNames {
			if old == name {
				return i
			}
		}
	}
	return -1
}

// alias is a libc name of a canonical entry, as the generated tables list
// them.
type alias struct{ name, target string }

// lookupIndex is an arch's lookup structure, built from its generated
// table on the first lookup: a program that never asks about an arch (a
// jail's init, a command that only formats policies) does not pay for it.
type lookupIndex struct {
	once   sync.Once
	byName map[string]*Syscall
	byNr   map[uint32]*Syscall
	list   []*Syscall // canonical entries, sorted by number
}

// idx returns a's lookup structure, building it on first use.
func (a *Arch) idx() *lookupIndex {
	x := a.index
	x.once.Do(func() { x.build(a) })
	return x
}

func (x *lookupIndex) build(a *Arch) {
	entries, aliases := a.entries, a.aliases
	x.byName = make(map[string]*Syscall, len(entries)+len(aliases))
	x.byNr = make(map[uint32]*Syscall, len(entries))
	x.list = make([]*Syscall, 0, len(entries))
	for i := range entries {
		s := &entries[i]
		x.byName[s.Name] = s
		if _, dup := x.byNr[s.Nr]; !dup {
			x.byNr[s.Nr] = s
		}
		x.list = append(x.list, s)
	}
	for _, al := range aliases {
		t, ok := x.byName[al.target]
		if !ok {
			panic("syscalls: alias " + al.name + " of unknown " + al.target + " on " + a.Name)
		}
		c := *t
		c.Name = al.name
		c.AliasOf = al.target
		x.byName[al.name] = &c
	}
	sort.SliceStable(x.list, func(i, j int) bool { return x.list[i].Nr < x.list[j].Nr })
}

// Arches returns every known arch, sorted by name.
func Arches() []*Arch { return append([]*Arch(nil), arches...) }

// LookupArch finds an arch by its name or an alias, case-insensitively.
func LookupArch(name string) (*Arch, bool) {
	for _, a := range arches {
		if strings.EqualFold(a.Name, name) {
			return a, true
		}
		for _, al := range a.Aliases {
			if strings.EqualFold(al, name) {
				return a, true
			}
		}
	}
	return nil, false
}

// HostArch returns the arch this program runs on, or nil when it has no table.
func HostArch() *Arch {
	for _, a := range arches {
		if a.GOARCH == runtime.GOARCH {
			return a
		}
	}
	return nil
}

// Lookup finds a syscall by name, aliases included. For an alias the
// result's AliasOf names the canonical entry.
func (a *Arch) Lookup(name string) (*Syscall, bool) {
	s, ok := a.idx().byName[name]
	return s, ok
}

// ByNumber finds the canonical syscall with number nr.
func (a *Arch) ByNumber(nr uint32) (*Syscall, bool) {
	s, ok := a.idx().byNr[nr]
	return s, ok
}

// Syscalls returns the canonical entries sorted by number.
func (a *Arch) Syscalls() []*Syscall { return append([]*Syscall(nil), a.idx().list...) }

// AliasEntries returns the alias entries sorted by name.
func (a *Arch) AliasEntries() []*Syscall {
	var out []*Syscall
	for _, s := range a.idx().byName {
		if s.AliasOf != "" {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

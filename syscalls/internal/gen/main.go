// Command gen writes the syscall tables of package syscalls (the z*.go
// files) from the kernel's own definitions.
//
// Inputs: Debian's linux-source-6.12 package (the tarball under /usr/src):
// the per-arch syscall*.tbl files, the SYSCALL_DEFINEn definitions and
// sys_* prototypes of every .c file and syscalls header, and
// include/uapi/linux/audit.h; plus supplement.txt beside this file for
// calls added after 6.12. Only the needed files are kept while the
// tarball is streamed through xz, so a run takes about half a minute.
//
// Run it with `go generate ./syscalls`; -tarball and -out override the
// defaults, -v prints how every entry point was resolved.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

const (
	sourcePackage = "linux-source-6.12"
	defaultTarbal = "/usr/src/linux-source-6.12.tar.xz"
)

func main() {
	tarball := flag.String("tarball", defaultTarbal, "kernel source tarball of package "+sourcePackage)
	outDir := flag.String("out", ".", "directory to write the z*.go files to")
	supp := flag.String("supplement", "internal/gen/supplement.txt", "supplement file (relative to -out unless absolute)")
	verbose := flag.Bool("v", false, "print how each entry point was resolved")
	cache := flag.String("cache", "", "keep what was read from the tarball in this file and reuse it (development aid)")
	flag.Parse()
	verboseAmbiguity = *verbose
	if err := run(*tarball, *outDir, *supp, *cache, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "syscalls/internal/gen:", err)
		os.Exit(1)
	}
}

func run(tarball, outDir, suppPath, cache string, verbose bool) error {
	if !filepath.IsAbs(suppPath) {
		suppPath = filepath.Join(outDir, suppPath)
	}
	suppData, err := os.ReadFile(suppPath)
	if err != nil {
		return err
	}
	sup, err := parseSupplement(string(suppData))
	if err != nil {
		return fmt.Errorf("%s: %w", suppPath, err)
	}
	t, err := loadTree(tarball, cache)
	if err != nil {
		return err
	}
	tarHash, err := fileHash(tarball)
	if err != nil {
		return err
	}
	suppHash, err := fileHash(suppPath)
	if err != nil {
		return err
	}
	inputs := fmt.Sprintf("%s %s (%s sha256 %s);\n// supplement.txt sha256 %s",
		sourcePackage, packageVersion(sourcePackage), filepath.Base(tarball), tarHash, suppHash)
	audit, err := auditArches(t.files["include/uapi/linux/audit.h"])
	if err != nil {
		return err
	}
	for i := range specs {
		s := &specs[i]
		tab, err := buildTable(t, s, sup, verbose)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		av, ok := audit[s.audit]
		if !ok {
			return fmt.Errorf("%s: %s not in audit.h", s.name, s.audit)
		}
		src, err := render(s, tab, av, inputs)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if err := os.WriteFile(filepath.Join(outDir, s.file), src, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %d syscalls, %d aliases\n", s.name, len(tab.entries), len(tab.aliases))
	}
	src, err := renderList(inputs)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outDir, listFile), src, 0o644)
}

// entry is one generated table row.
type entry struct {
	name string
	nr   uint32
	args []outArg
	note string // how the entry was resolved, for -v
}

type outArg struct {
	name     string
	size     int
	oldNames []string
}

type table struct {
	entries []entry
	aliases map[string]string
}

// row is one line of a syscall*.tbl file.
type row struct {
	nr    uint32
	abi   string
	name  string
	entry string
}

func parseTbl(data []byte, abis []string) ([]row, error) {
	want := map[string]bool{}
	for _, a := range abis {
		want[a] = true
	}
	var out []row
	for i, l := range strings.Split(string(data), "\n") {
		if j := strings.IndexByte(l, '#'); j >= 0 {
			l = l[:j]
		}
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if len(f) < 3 {
			return nil, fmt.Errorf("line %d: too few fields: %q", i+1, l)
		}
		if !want[f[1]] {
			continue
		}
		n, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		r := row{nr: uint32(n), abi: f[1], name: f[2]}
		if len(f) > 3 {
			r.entry = f[3]
		}
		out = append(out, r)
	}
	return out, nil
}

// entryName turns a table's entry point into the name a definition is
// found under ("sys_newuname" → "newuname"); "" for sys_ni_syscall.
func entryName(e string) string {
	if e == "" || e == "sys_ni_syscall" {
		return ""
	}
	for _, p := range []string{"__sys_", "sys_", "sysm_"} {
		if strings.HasPrefix(e, p) {
			return strings.TrimSuffix(e[len(p):], "_wrapper")
		}
	}
	return e
}

// canonicalName picks the name the reference Kafel compiler uses for a
// table row: the entry point's name, except where the entry point is a
// mere ABI variant of the table's name (time32 variants, ia32 register
// splitting wrappers), which keep the table's name.
func canonicalName(r row, e string) string {
	switch {
	case e == "":
		return r.name
	case strings.TrimSuffix(e, "_time32") == r.name, strings.TrimSuffix(e, "32") == r.name:
		return r.name
	case strings.HasPrefix(e, "ia32_") && e[len("ia32_"):] == r.name:
		return r.name
	}
	return e
}

func buildTable(t *tree, s *archSpec, sup *supplement, verbose bool) (*table, error) {
	data, ok := t.files[s.table]
	if !ok {
		return nil, fmt.Errorf("%s not in the tarball", s.table)
	}
	rows, err := parseTbl(data, s.abis)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.table, err)
	}
	if s.private != "" {
		priv, err := privateCalls(t.files[s.private])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.private, err)
		}
		rows = append(rows, priv...)
	}
	for _, c := range sup.calls {
		if c.appliesTo(s.name) {
			rows = append(rows, row{nr: c.nr, abi: "supplement", name: c.name, entry: "sys_" + c.name})
		}
	}
	tab := &table{aliases: map[string]string{}}
	used := map[string]bool{}
	seenNr := map[uint32]bool{}
	var tblNames []row
	for _, r := range rows {
		nr := r.nr + s.base
		if seenNr[nr] {
			return nil, fmt.Errorf("number %d listed twice", nr)
		}
		seenNr[nr] = true
		e := entryName(r.entry)
		name := canonicalName(r, e)
		if ren, ok := sup.renamed(s.name, r.name); ok && e == "" {
			name = ren
		}
		// A name an earlier row took keeps the table's name: the time64
		// calls on 32-bit arches, whose entry points carry the plain
		// names that the time32 calls (lower numbers) already use.
		if used[name] {
			if verbose {
				fmt.Fprintf(os.Stderr, "%s %d: %s taken, using the table's name %s\n", s.name, nr, name, r.name)
			}
			if used[r.name] {
				return nil, fmt.Errorf("entry %s (%d) and table name %s both taken", name, nr, r.name)
			}
			name = r.name
		}
		used[name] = true
		en := entry{name: name, nr: nr}
		if e == "" {
			// A removed call: the supplement may give the parameters
			// its entry point had (the reference compiler knows them).
			if d, ok := sup.defs[name]; ok {
				args, err := layout(s, d.params)
				if err != nil {
					return nil, fmt.Errorf("%s (%d): %v: %w", name, nr, d, err)
				}
				en.args, en.note = args, d.String()
			}
		} else {
			d, why := pickDef(t, s, sup, r.entry)
			if d == nil {
				return nil, fmt.Errorf("no definition of entry point %s (%s %d): %s", r.entry, r.name, nr, why)
			}
			args, err := layout(s, d.params)
			if err != nil {
				return nil, fmt.Errorf("%s (%d): %v: %w", name, nr, d, err)
			}
			en.args, en.note = args, d.String()
		}
		if err := sup.applyArgNames(s.name, &en); err != nil {
			return nil, err
		}
		if verbose {
			fmt.Fprintf(os.Stderr, "%s %d %s [%s %s] %s\n", s.name, nr, name, r.name, r.entry, en.note)
		}
		tab.entries = append(tab.entries, en)
		tblNames = append(tblNames, row{nr: nr, name: r.name, entry: name})
	}
	// The table's own names (the libc names) resolve to the entry when
	// they differ and are not taken by a canonical entry.
	for _, r := range tblNames {
		if r.name == r.entry || used[r.name] || isPlaceholder(r.name) {
			continue
		}
		if _, dup := tab.aliases[r.name]; dup {
			continue
		}
		tab.aliases[r.name] = r.entry
	}
	for _, a := range sup.aliases {
		if !a.appliesTo(s.name) {
			continue
		}
		if !used[a.target] {
			return nil, fmt.Errorf("supplement alias %s: no entry %s", a.name, a.target)
		}
		if used[a.name] {
			return nil, fmt.Errorf("supplement alias %s is an entry already", a.name)
		}
		tab.aliases[a.name] = a.target
	}
	sort.Slice(tab.entries, func(i, j int) bool { return tab.entries[i].nr < tab.entries[j].nr })
	return tab, nil
}

// armPrivateBase is __ARM_NR_BASE under EABI, where __NR_SYSCALL_BASE
// is 0 (arch/arm/include/uapi/asm/unistd.h).
const armPrivateBase = 0x0f0000

var rePrivate = regexp.MustCompile(`(?m)^#define\s+__ARM_NR_(\w+)\s+\(__ARM_NR_BASE\s*\+\s*(\d+)\)`)

// privateCalls reads arm's private calls (breakpoint, cacheflush, usr26,
// usr32, set_tls, get_tls), handled by arm_syscall in
// arch/arm/kernel/traps.c without a SYSCALL_DEFINE; their parameters come
// from the supplement.
func privateCalls(h []byte) ([]row, error) {
	if h == nil {
		return nil, fmt.Errorf("not in the tarball")
	}
	var out []row
	for _, m := range rePrivate.FindAllStringSubmatch(string(h), -1) {
		n, _ := strconv.Atoi(m[2])
		out = append(out, row{nr: uint32(armPrivateBase + n), abi: "private", name: m[1], entry: "sys_" + m[1]})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no __ARM_NR_ definitions")
	}
	return out, nil
}

// isPlaceholder reports table names that only hold a number's place.
func isPlaceholder(name string) bool {
	return strings.HasPrefix(name, "unused") || strings.HasPrefix(name, "reserved")
}

// pickDef finds the definition of entry point e for arch s: the arch's own
// SYSCALL_DEFINE first, then the generic one, then old-style functions,
// then prototypes; variants under #if are chosen by s.config. The
// supplement's definitions serve calls the tree does not define.
func pickDef(t *tree, s *archSpec, sup *supplement, entry string) (*def, string) {
	// The symbol itself; mips's __sys_fork saves registers and calls
	// sys_fork; arm's sys_sigreturn_wrapper calls sys_sigreturn.
	syms := []string{entry}
	if rest, ok := strings.CutPrefix(entry, "__sys_"); ok {
		syms = append(syms, "sys_"+rest)
	}
	if base, ok := strings.CutSuffix(entry, "_wrapper"); ok {
		syms = append(syms, base)
	}
	seen := 0
	for _, sym := range syms {
		seen += len(t.defs[sym])
		if d := bestDef(s, sym, t.defs[sym]); d != nil {
			return d, ""
		}
	}
	if d, ok := sup.defs[entryName(entry)]; ok {
		return d, ""
	}
	return nil, fmt.Sprintf("%d candidates, none for arch/%s or generic", seen, s.dir)
}

// bestDef picks among the definitions of one symbol for arch s.
func bestDef(s *archSpec, sym string, cands []*def) *def {
	var (
		best     *def
		bestRank = 1 << 30
		tied     []*def // candidates of best's rank with other parameters
	)
	for _, d := range cands {
		dir := archDirOf(d.file)
		if dir != "" && dir != s.dir {
			continue
		}
		if strings.HasPrefix(d.file, "arch/x86/um/") || s.skip != nil && s.skip.MatchString(d.file) {
			continue
		}
		if !condsHold(d.conds, s.config) {
			continue
		}
		rank := int(d.kind) * 2
		if dir == "" {
			rank++
		}
		switch {
		case rank < bestRank:
			best, bestRank, tied = d, rank, nil
		case rank == bestRank && paramString(d) != paramString(best):
			tied = append(tied, d)
		}
	}
	if len(tied) > 0 && verboseAmbiguity {
		fmt.Fprintf(os.Stderr, "%s: %s: took %v; also %v\n", s.name, sym, best, tied)
	}
	return best
}

// verboseAmbiguity makes pickDef report definitions it chose among.
var verboseAmbiguity bool

// paramString is the parameter list of d, for comparing definitions.
func paramString(d *def) string {
	var b strings.Builder
	for _, p := range d.params {
		b.WriteString(p.typ + " " + p.name + ",")
	}
	return b.String()
}

var (
	reDefined = regexp.MustCompile(`defined\s*\(?\s*(\w+)\s*\)?|IS_ENABLED\s*\(\s*(\w+)\s*\)`)
	// decisive lists the Kconfig symbols whose absence is known per arch;
	// conditions on any other symbol are assumed to hold.
	decisive = map[string]bool{
		"CONFIG_CLONE_BACKWARDS": true, "CONFIG_CLONE_BACKWARDS2": true, "CONFIG_CLONE_BACKWARDS3": true,
		"CONFIG_X86_32": true, "CONFIG_X86_64": true, "CONFIG_64BIT": true, "CONFIG_32BIT": true,
		"CONFIG_OLD_SIGSUSPEND": true, "CONFIG_OLD_SIGSUSPEND3": true, "CONFIG_OLD_SIGACTION": true,
		"CONFIG_ODD_RT_SIGACTION": true,
	}
)

// condsHold evaluates the preprocessor conditions around a definition.
// Only symbols in decisive are known; a condition on anything else
// counts as true.
func condsHold(conds []string, config map[string]bool) bool {
	for _, c := range conds {
		if v, known := evalCond(c, config); known && !v {
			return false
		}
	}
	return true
}

// evalCond evaluates a simple #if expression: defined(X), IS_ENABLED(X),
// !, && and || over decisive symbols.
func evalCond(c string, config map[string]bool) (value, known bool) {
	c = strings.TrimSpace(c)
	for strings.HasPrefix(c, "(") && strings.HasSuffix(c, ")") {
		if _, after, ok := balanced(c, 0); !ok || strings.TrimSpace(after) != "" {
			break
		}
		c = strings.TrimSpace(c[1 : len(c)-1])
	}
	if parts := splitOp(c, "||"); len(parts) > 1 {
		anyUnknown := false
		for _, p := range parts {
			v, k := evalCond(p, config)
			if k && v {
				return true, true
			}
			if !k {
				anyUnknown = true
			}
		}
		return false, !anyUnknown
	}
	if parts := splitOp(c, "&&"); len(parts) > 1 {
		anyUnknown := false
		for _, p := range parts {
			v, k := evalCond(p, config)
			if k && !v {
				return false, true
			}
			if !k {
				anyUnknown = true
			}
		}
		return true, !anyUnknown
	}
	if strings.HasPrefix(c, "!") {
		v, k := evalCond(c[1:], config)
		return !v, k
	}
	m := reDefined.FindStringSubmatch(c)
	if m == nil || len(m[0]) != len(c) {
		return false, false
	}
	sym := m[1] + m[2]
	if !decisive[sym] {
		return false, false
	}
	return config[sym], true
}

// splitOp splits c at op outside parentheses.
func splitOp(c, op string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(c); i++ {
		switch c[i] {
		case '(':
			depth++
		case ')':
			depth--
		}
		if depth == 0 && strings.HasPrefix(c[i:], op) {
			out = append(out, c[start:i])
			start = i + len(op)
			i += len(op) - 1
		}
	}
	return append(out, c[start:])
}

// auditArches reads the AUDIT_ARCH_* values from audit.h.
func auditArches(h []byte) (map[string]uint32, error) {
	if h == nil {
		return nil, fmt.Errorf("include/uapi/linux/audit.h not in the tarball")
	}
	const (
		convention64 = 0x80000000
		convention32 = 0x40000000
	)
	emRe := regexp.MustCompile(`(?m)^#define\s+(AUDIT_ARCH_\w+)\s+\((EM_\w+)((?:\|__AUDIT_ARCH_\w+)*)\)`)
	em := map[string]uint32{ // ELF machine numbers (include/uapi/linux/elf-em.h)
		"EM_X86_64": 62, "EM_386": 3, "EM_AARCH64": 183, "EM_ARM": 40, "EM_MIPS": 8,
		"EM_RISCV": 243, "EM_68K": 4,
	}
	out := map[string]uint32{}
	for _, m := range emRe.FindAllStringSubmatch(string(h), -1) {
		v, ok := em[m[2]]
		if !ok {
			continue
		}
		if strings.Contains(m[3], "__AUDIT_ARCH_64BIT") {
			v |= convention64
		}
		if strings.Contains(m[3], "__AUDIT_ARCH_LE") {
			v |= convention32
		}
		out[m[1]] = v
	}
	return out, nil
}

func render(s *archSpec, tab *table, audit uint32, inputs string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by syscalls/internal/gen; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "// Inputs: %s.\n// Table: %s (ABIs %s", inputs, s.table, strings.Join(s.abis, ", "))
	if s.base != 0 {
		fmt.Fprintf(&b, "; numbers + %d", s.base)
	}
	fmt.Fprintf(&b, ").\n\npackage syscalls\n\n")
	fmt.Fprintf(&b, "// %s is the table of %s, static data: its lookup index is built\n// on first use.\n", archVar(s.name), s.name)
	fmt.Fprintf(&b, "var %s = Arch{\n", archVar(s.name))
	fmt.Fprintf(&b, "Name: %q,\n", s.name)
	if len(s.aliases) > 0 {
		fmt.Fprintf(&b, "Aliases: %#v,\n", s.aliases)
	}
	fmt.Fprintf(&b, "AuditArch: %#08x, // %s\nWordSize: %d,\nBigEndian: %v,\n", audit, s.audit, s.wordSize, s.bigEndian)
	if s.goarch != "" {
		fmt.Fprintf(&b, "GOARCH: %q,\n", s.goarch)
	}
	fmt.Fprintf(&b, "index: &lookupIndex{},\n")
	fmt.Fprintf(&b, "entries: []Syscall{\n")
	for _, e := range tab.entries {
		fmt.Fprintf(&b, "{Name: %q, Nr: %d", e.name, e.nr)
		if len(e.args) > 0 {
			b.WriteString(", Args: []Arg{")
			for i, a := range e.args {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "{Name: %q, Size: %d", a.name, a.size)
				if len(a.oldNames) > 0 {
					fmt.Fprintf(&b, ", OldNames: %#v", a.oldNames)
				}
				b.WriteString("}")
			}
			b.WriteString("}")
		}
		b.WriteString("},\n")
	}
	b.WriteString("},\naliases: []alias{\n")
	names := make([]string, 0, len(tab.aliases))
	for n := range tab.aliases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "{%q, %q},\n", n, tab.aliases[n])
	}
	b.WriteString("},\n}\n")
	return format.Source(b.Bytes())
}

// archVar is the name of the variable holding the table of the arch
// called name.
func archVar(name string) string {
	return "arch" + strings.ToUpper(name[:1]) + name[1:]
}

// listFile is the generated file listing every arch.
const listFile = "zarches.go"

// renderList writes the list of arches, sorted by name.
func renderList(inputs string) ([]byte, error) {
	names := make([]string, 0, len(specs))
	for _, s := range specs {
		names = append(names, s.name)
	}
	sort.Strings(names)
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by syscalls/internal/gen; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "// Inputs: %s.\n\npackage syscalls\n\n", inputs)
	b.WriteString("// arches lists every known arch, sorted by name.\nvar arches = []*Arch{\n")
	for _, n := range names {
		fmt.Fprintf(&b, "&%s,\n", archVar(n))
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// defKind orders the ways an entry point can be defined, best first.
type defKind int

const (
	kindDefine    defKind = iota // SYSCALL_DEFINEn(name, type, arg, ...)
	kindFunc                     // asmlinkage long sys_name(type arg, ...) { in a .c file
	kindPrototype                // asmlinkage long sys_name(type arg, ...); in a header
)

// def is one definition of a syscall entry point found in the sources.
type def struct {
	sym    string // the entry point's symbol: sys_read, sysm_pipe
	name   string // the name without its prefix
	file   string
	line   int
	kind   defKind
	params []param
	conds  []string // enclosing preprocessor conditions, outermost first
}

// param is one C parameter.
type param struct {
	typ  string
	name string
}

func (d *def) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d %s(", d.file, d.line, d.name)
	for i, p := range d.params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.typ + " " + p.name)
	}
	b.WriteString(")")
	return b.String()
}

var (
	reDefine = regexp.MustCompile(`^\s*SYSCALL(?:32)?_DEFINE([0-6])\(\s*(\w+)\s*(,|\))`)
	reFunc   = regexp.MustCompile(`^\s*(?:asmlinkage\s+)?(?:long|int|unsigned\s+long|void|unsigned\s+int)\s*(?:\n\s*)?\b(__sys_|sys_|sysm_)(\w+)\s*\(`)
	reSpaces = regexp.MustCompile(`\s+`)
)

// parseDefs finds the syscall definitions and prototypes in one source
// file. Conditions of #if blocks around each definition are recorded so
// that variants (clone's argument order) can be told apart later.
func parseDefs(file string, data []byte) []*def {
	src := stripComments(string(data))
	lines := strings.Split(src, "\n")
	isHeader := strings.HasSuffix(file, ".h")
	var (
		out   []*def
		stack [][]string // per #if level: the conditions seen so far in that chain
	)
	// current returns the conditions that hold inside the current
	// branch: earlier branches of each #if chain were false.
	current := func() []string {
		var c []string
		for _, level := range stack {
			for _, prev := range level[:len(level)-1] {
				c = append(c, "!("+prev+")")
			}
			if last := level[len(level)-1]; last != "else" {
				c = append(c, last)
			}
		}
		return c
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			d := strings.TrimSpace(strings.TrimPrefix(t, "#"))
			switch {
			case strings.HasPrefix(d, "ifdef"):
				stack = append(stack, []string{"defined(" + strings.TrimSpace(d[5:]) + ")"})
			case strings.HasPrefix(d, "ifndef"):
				stack = append(stack, []string{"!defined(" + strings.TrimSpace(d[6:]) + ")"})
			case strings.HasPrefix(d, "if"):
				stack = append(stack, []string{strings.TrimSpace(d[2:])})
			case strings.HasPrefix(d, "elif"):
				if n := len(stack); n > 0 {
					stack[n-1] = append(stack[n-1], strings.TrimSpace(d[4:]))
				}
			case strings.HasPrefix(d, "else"):
				if n := len(stack); n > 0 {
					stack[n-1] = append(stack[n-1], "else")
				}
			case strings.HasPrefix(d, "endif"):
				if n := len(stack); n > 0 {
					stack = stack[:n-1]
				}
			}
			continue
		}
		if m := reDefine.FindStringSubmatch(l); m != nil {
			if strings.Contains(file, "include/linux/syscalls.h") {
				continue // the macro's own definition
			}
			n, _ := strconv.Atoi(m[1])
			text, ok := collectParens(lines, i, strings.Index(l, "SYSCALL"))
			args := splitTop(text)
			if !ok || len(args) != 1+2*n || strings.TrimSpace(args[0]) != m[2] {
				continue
			}
			name := strings.TrimSpace(args[0])
			d := &def{sym: "sys_" + name, name: name, file: file, line: i + 1, kind: kindDefine, conds: current()}
			for k := 0; k < n; k++ {
				d.params = append(d.params, param{typ: normType(args[1+2*k]), name: strings.TrimSpace(args[2+2*k])})
			}
			out = append(out, d)
			continue
		}
		// Old-style definitions and prototypes: the return type may sit
		// on the line before the name.
		joined, next := l, i+1
		if i+1 < len(lines) && !strings.Contains(l, "(") {
			joined, next = l+"\n"+lines[i+1], i+2
		}
		m := reFunc.FindStringSubmatch(joined)
		if m == nil {
			continue
		}
		open := strings.Index(joined, "(")
		rest := strings.Join(append([]string{joined}, lines[min(next, len(lines)):min(next+12, len(lines))]...), "\n")
		body, after, ok := balanced(rest, open)
		if !ok {
			continue
		}
		after = strings.TrimSpace(after)
		kind := kindPrototype
		if !isHeader {
			if !strings.HasPrefix(after, "{") {
				continue
			}
			kind = kindFunc
		} else if !strings.HasPrefix(after, ";") && !strings.HasPrefix(after, "__attribute") {
			continue
		}
		d := &def{sym: m[1] + m[2], name: m[2], file: file, line: i + 1, kind: kind, conds: current()}
		if ps, ok := parseProto(body); ok {
			d.params = ps
			out = append(out, d)
		}
	}
	return out
}

// collectParens returns the text between the parenthesis opened at or
// after column col of lines[i] and its match, across lines; false when
// the parenthesis is not closed.
func collectParens(lines []string, i, col int) (string, bool) {
	text := strings.Join(lines[i:min(i+20, len(lines))], "\n")[col:]
	open := strings.Index(text, "(")
	body, _, ok := balanced(text, open)
	return body, ok
}

// balanced returns the text inside the parenthesis at s[open] and what
// follows its match.
func balanced(s string, open int) (inside, after string, ok bool) {
	if open < 0 || open >= len(s) || s[open] != '(' {
		return "", "", false
	}
	depth := 0
	for j := open; j < len(s); j++ {
		switch s[j] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return s[open+1 : j], s[j+1:], true
			}
		}
	}
	return "", "", false
}

// splitTop splits s at commas outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:j])
				start = j + 1
			}
		}
	}
	return append(out, s[start:])
}

// parseProto splits a C parameter list "int fd, char __user *buf" into
// types and names. "void" is the empty list.
func parseProto(body string) ([]param, bool) {
	body = strings.TrimSpace(body)
	if body == "void" || body == "" {
		return nil, true
	}
	var out []param
	for _, p := range splitTop(body) {
		p = normType(p)
		if strings.Contains(p, "(") || p == "..." {
			return nil, false
		}
		j := strings.LastIndexFunc(p, func(r rune) bool {
			return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		})
		if j < 0 {
			return nil, false // a type without a name
		}
		name, typ := p[j+1:], strings.TrimSpace(p[:j+1])
		if name == "" || typ == "" {
			return nil, false
		}
		out = append(out, param{typ: normType(typ), name: name})
	}
	return out, true
}

// normType collapses white space and drops annotations that do not change
// a type's width.
func normType(t string) string {
	t = reSpaces.ReplaceAllString(strings.TrimSpace(t), " ")
	t = strings.ReplaceAll(t, " *", "*")
	t = strings.ReplaceAll(t, "* ", "*")
	return t
}

// stripComments removes C comments, keeping newlines so that line
// numbers stay right.
func stripComments(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '/' && i+1 < len(s) && s[i+1] == '*' {
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				break
			}
			for _, c := range s[i : i+2+end+2] {
				if c == '\n' {
					b.WriteByte('\n')
				}
			}
			i += 2 + end + 1
			continue
		}
		if s[i] == '/' && i+1 < len(s) && s[i+1] == '/' {
			for i < len(s) && s[i] != '\n' {
				i++
			}
			if i < len(s) {
				b.WriteByte('\n')
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

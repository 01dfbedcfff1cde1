package nsjailcfg

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Severity tells errors from warnings.
type Severity int

// Severities of a Diagnostic.
const (
	SeverityError Severity = iota
	SeverityWarning
)

// Diagnostic is one problem with a configuration: where it is (the file,
// or the flag it came from), how bad, and what.
type Diagnostic struct {
	File     string // "" when the problem is not in a file
	Line     int    // 1-based; 0 when unknown
	Col      int    // 1-based, in characters; 0 when unknown
	Flag     string // the command-line flag the value came from, e.g. "--hostname"
	Severity Severity
	Msg      string
	Source   string // the text of line Line, for a caret under Col
}

// String formats d as "file:line:col: message", followed by the source
// line and a caret when they are known.
func (d Diagnostic) String() string {
	var b strings.Builder
	switch {
	case d.Flag != "":
		fmt.Fprintf(&b, "flag %s: ", d.Flag)
	case d.File != "" && d.Line > 0:
		fmt.Fprintf(&b, "%s:%d:%d: ", d.File, d.Line, d.Col)
	case d.File != "":
		fmt.Fprintf(&b, "%s: ", d.File)
	}
	if d.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Msg)
	if d.Flag == "" && d.Line > 0 && d.Source != "" && d.Col > 0 {
		src := strings.ReplaceAll(d.Source, "\t", " ")
		fmt.Fprintf(&b, "\n\t%s\n\t%s^", src, strings.Repeat(" ", min(d.Col-1, len([]rune(src)))))
	}
	return b.String()
}

// ErrConfig is matched (errors.Is) by every error the loader returns for
// a bad configuration (as opposed to a file it could not read).
var ErrConfig = errors.New("bad nsjail configuration")

// Error is a list of error diagnostics, sorted by position.
type Error struct {
	Diags []Diagnostic
}

func (e *Error) Error() string {
	var parts []string
	for _, d := range e.Diags {
		parts = append(parts, d.String())
	}
	return strings.Join(parts, "\n")
}

// Is reports that an *Error is an ErrConfig.
func (e *Error) Is(target error) bool { return target == ErrConfig }

// diagList collects diagnostics.
type diagList []Diagnostic

// err returns the error diagnostics as an *Error, or nil when there are
// none.
func (l diagList) err() error {
	var errs []Diagnostic
	for _, d := range l {
		if d.Severity == SeverityError {
			errs = append(errs, d)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return &Error{Diags: errs}
}

func (l diagList) warnings() []Diagnostic {
	var out []Diagnostic
	for _, d := range l {
		if d.Severity == SeverityWarning {
			out = append(out, d)
		}
	}
	return out
}

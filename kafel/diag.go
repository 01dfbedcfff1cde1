package kafel

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/gokafel/gokafel/grammar"
)

// Diagnostics is the list of findings of a load: errors, portability
// warnings and notes, each with its position. It is the grammar's type, so
// that syntax and semantic findings form one sorted list.
type Diagnostics = grammar.Diagnostics

// Diagnostic is one finding.
type Diagnostic = grammar.Diagnostic

// Error is the error Load and Compile return when a policy is refused. It
// holds every finding of the run (the warnings too, so that a linter can
// print them all) and the sources they point into. errors.As works with
// both *Error and Diagnostics.
type Error struct {
	Diagnostics Diagnostics
	Sources     map[string][]byte
}

// Error lists the errors, one `file:line:col: message` per line.
func (e *Error) Error() string { return e.Diagnostics.Errors().Error() }

// Unwrap returns the diagnostics, for errors.As.
func (e *Error) Unwrap() error { return e.Diagnostics }

// Render writes each diagnostic as `file:line:col: message`, then the
// source line with a caret under the column (and tildes under the rest of
// the diagnostic's span), then its hint if any. Sources
// maps file names to their text; a diagnostic whose file is missing there
// is printed without the source line.
func Render(w io.Writer, diags Diagnostics, sources map[string][]byte) error {
	var b bytes.Buffer
	for _, d := range diags {
		b.WriteString(d.String())
		b.WriteByte('\n')
		if line, ok := sourceLine(sources[d.Pos.Filename], d.Pos.Line); ok {
			line = strings.ReplaceAll(line, "\t", " ")
			fmt.Fprintf(&b, "    %s\n", line)
			col := d.Pos.Column
			if col < 1 {
				col = 1
			}
			if col > len(line)+1 {
				col = len(line) + 1
			}
			// A caret under the start, tildes under the rest of the span
			// when it ends on the same line.
			width := 1
			if d.End.Line == d.Pos.Line && d.End.Column > col {
				width = min(d.End.Column-col, len(line)+2-col)
			}
			fmt.Fprintf(&b, "    %s^%s\n", strings.Repeat(" ", col-1), strings.Repeat("~", max(width-1, 0)))
		}
		if d.Hint != "" {
			fmt.Fprintf(&b, "    hint: %s\n", d.Hint)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// sourceLine returns line n (1-based) of src, without its newline.
func sourceLine(src []byte, n int) (string, bool) {
	if src == nil || n < 1 {
		return "", false
	}
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return "", false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return strings.TrimRight(string(src), "\r"), true
}

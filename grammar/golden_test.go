package grammar

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokafel/gokafel/internal/golden"
)

// render prints diagnostics the way a person reads them: the message, the
// source line, a caret under the column, and the hint.
func render(src []byte, diags Diagnostics) string {
	lines := strings.Split(string(src), "\n")
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%s [%s]\n", d, d.Kind)
		if d.Pos.Line >= 1 && d.Pos.Line <= len(lines) {
			line := lines[d.Pos.Line-1]
			fmt.Fprintf(&b, "  | %s\n", line)
			col := d.Pos.Column - 1
			if col > len(line) {
				col = len(line)
			}
			width := 1
			if d.End.Line == d.Pos.Line && d.End.Column > d.Pos.Column {
				width = d.End.Column - d.Pos.Column
			}
			fmt.Fprintf(&b, "  | %s%s\n", strings.Repeat(" ", col), strings.Repeat("^", width))
		}
		if d.Hint != "" {
			fmt.Fprintf(&b, "  = hint: %s\n", d.Hint)
		}
	}
	return b.String()
}

// TestGolden parses each testdata/diag/*.kafel and compares its
// diagnostics and its formatted text with the .golden file next to it.
// Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/diag/*.kafel")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Base(file)
			f, diags := Parse(name, src, nil)
			var got bytes.Buffer
			got.WriteString("== diagnostics\n")
			got.WriteString(render(src, diags))
			if diags.Err() == nil {
				got.WriteString("== format\n")
				got.Write(Format(f))
				roundTrip(t, string(src), f)
			}
			golden.Check(t, strings.TrimSuffix(file, ".kafel")+".golden", got.Bytes())
		})
	}
}

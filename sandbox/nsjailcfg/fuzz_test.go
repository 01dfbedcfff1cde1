package nsjailcfg

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadConfig feeds arbitrary files to the loader, the conversion and
// Validate: each must end in a configuration or an ErrConfig whose
// positions lie inside the file, never in a panic.
func FuzzLoadConfig(f *testing.F) {
	for _, name := range []string{"python-sandbox.cfg", "repl-service.cfg"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
	}
	f.Add([]byte(`{"mount": [{"dst": "/tmp", "fstype": "tmpfs"}], "exec_bin": {"path": "/bin/true"}}`), true)
	f.Add([]byte("mount {\n  dst: \"/x\"\n  is_bnd: true\n}\n"), false)
	f.Add([]byte("uidmap { inside_id: \"0\" outside_id: \"0\" count: 4294967295 }\nmode: LISTEN_TCP\n"), false)
	f.Add([]byte("mount < dst: '/a' src_content: \"\\x00\\n\" > envar: [\"A\", \"B=1\"]\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		name := "fuzz.cfg"
		if asJSON {
			name = "fuzz.json"
		}
		file, err := Parse(name, data)
		if err == nil {
			var l *Loaded
			if l, err = file.Config(); err == nil {
				err = l.Validate()
				for _, w := range l.Warnings {
					checkDiag(t, data, w)
				}
			}
		}
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrConfig) {
			t.Fatalf("error %T is not a *Error: %v", err, err)
		}
		for _, d := range e.Diags {
			checkDiag(t, data, d)
		}
	})
}

func checkDiag(t *testing.T, data []byte, d Diagnostic) {
	t.Helper()
	lines := bytes.Count(data, []byte("\n")) + 1
	if d.Line < 0 || d.Line > lines || d.Col < 0 {
		t.Fatalf("diagnostic at %d:%d outside a file of %d lines: %s", d.Line, d.Col, lines, d)
	}
	if d.Msg == "" {
		t.Fatalf("diagnostic without a message at %d:%d", d.Line, d.Col)
	}
	_ = d.String()
}
